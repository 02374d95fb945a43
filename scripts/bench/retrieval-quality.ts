/**
 * `npm run --silent bench -- retrieval-quality [--data ../shared/data/retrieval] [--codebook model-assets/codebook/codebook.bin]
 *   [--multi-assign 5] [--alpha 3] [--tau 0] [--max-df 1] [--shortlist 100] [--matcher mnn] [--residual 20] [--distance 0.8] [--min-inliers 0] [--no-rerank]
 *   [--rerank-pairs exact|shared-words] [--postings-budget N] [--api [--options '{"rerankPairs":"shared-words"}']]
 *   [--sweep] [--json]`
 * Retrieval quality on the stand-in features (protocol: ../shared/data/retrieval/README.md): every image
 * is indexed, each is queried in turn (itself excluded), results = the shortlist re-ranked by (inliers,
 * ASMK score) followed by the rest of the ASMK ranking. Reports mAP, P@1, P@5 over all queries.
 * In memory, through the core functions (src/retrieval/core). --sweep prints a table over codebooks
 * (--codebook a,b,c), multiple assignment and shortlist sizes instead.
 * --api: the same protocol through the HTTP API of the Worker: starts `wrangler dev` (--port 8794) on a
 * snapshot of the sources with a fresh local D1 + R2 under tmp/bench-retrieval-quality, indexes every
 * item with POST /v1/index {"id","features"}, queries each with POST /v1/search {"features","options":
 * {"topK":100,"shortlist":100}} (the service's defaults otherwise; the committed codebook). --url U uses
 * an already running service instead (its index must be empty or hold only this set).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { cp, mkdir, rm, symlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadKernelsInNode } from "../../src/match/node-kernels";
import type { KernelExports } from "../../src/runtime/kernels";
import { FeatureSetInputSchema, featureSetFromJson, type FeatureSet } from "../../src/features/feature-set";
import type { MatchOptionsInput } from "../../src/match";
import {
  databaseSignature, parseCodebook, querySignature, rerankCandidates, scoreShortlist,
  type Codebook, type ImageSignature, type PostingList, type RerankPairs,
} from "../../src/retrieval/core";

export interface RetrievalSet {
  names: string[];
  groups: string[];
  sets: FeatureSet[];
}

/** The evaluation features of `dir` (features/*.json, groups from the file names `<group>__<image>`). */
export function loadRetrievalSet(dir: string): RetrievalSet {
  const files = readdirSync(join(dir, "features")).filter((f) => f.endsWith(".json")).sort();
  const names = files.map((f) => f.slice(0, -".json".length));
  const sets = files.map((f) =>
    featureSetFromJson(FeatureSetInputSchema.parse(JSON.parse(readFileSync(join(dir, "features", f), "utf8"))), { maxFeatures: 100_000, maxDim: 256 }),
  );
  return { names, groups: names.map((n) => n.split("__")[0]), sets };
}

export interface QualityConfig {
  multiAssign: number;
  alpha: number;
  tau: number;
  /** Query words whose posting list holds more than this fraction of the items are skipped (1 = none). */
  maxDf: number;
  /** Entries read per item, rarest words first (Infinity = no budget). */
  postingsBudget?: number;
  /** Candidates re-ranked (0 = ASMK ranking only). */
  shortlist: number;
  /** Inlier counts below this rank as 0 (DELF: no threshold, 0). */
  minInliers: number;
  match: MatchOptionsInput;
  /** The re-rank's putative pairs (core/rerank.ts). */
  rerankPairs?: RerankPairs;
}

export const DEFAULT_QUALITY_CONFIG: QualityConfig = {
  multiAssign: 5, alpha: 3, tau: 0, maxDf: 1, shortlist: 100, minInliers: 0, match: {},
};

export interface QualityFigures {
  queries: number;
  mAP: number;
  p1: number;
  p5: number;
  /** Results per query the figures are computed on. */
  resultsPerQuery: number;
}

/** AP, P@1, P@5 of one ranked list of item indices. */
function scoreQuery(ranked: number[], relevant: Set<number>): { ap: number; p1: number; p5: number } {
  let hits = 0;
  let sum = 0;
  ranked.forEach((item, r) => {
    if (relevant.has(item)) sum += ++hits / (r + 1);
  });
  const top = (n: number) => ranked.slice(0, n).filter((i) => relevant.has(i)).length;
  return { ap: relevant.size ? sum / relevant.size : 0, p1: top(1), p5: top(5) / 5 };
}

/** An in-memory inverted file of database signatures (what SERVICE keeps in D1). */
export class MemoryIndex {
  readonly lists = new Map<number, { items: number[]; residuals: number[] }>();
  readonly wordCounts: number[] = [];
  /** Postings handed to scoreShortlist so far (the read cost of the queries). */
  postingsRead = 0;
  constructor(readonly bytesPerWord: number) {}

  add(item: number, s: ImageSignature): void {
    this.wordCounts[item] = s.words.length;
    s.words.forEach((w, j) => {
      let list = this.lists.get(w);
      if (!list) this.lists.set(w, (list = { items: [], residuals: [] }));
      list.items.push(item);
      for (let b = 0; b < s.bytesPerWord; b++) list.residuals.push(s.residuals[j * s.bytesPerWord + b]);
    });
  }

  /**
   * The posting lists of the query's words, as SERVICE would read them; lists holding more than
   * maxDf × items are skipped (stop words: they cost the most to read and separate the least), and of
   * the rest only the rarest are read while their entries total ≤ budgetPerItem × items (the service's
   * postings budget without its floor), in word order.
   */
  *postings(query: ImageSignature, maxDf = 1, budgetPerItem = Infinity): Iterable<PostingList> {
    const limit = maxDf * this.wordCounts.length;
    const kept = [...query.words].filter((w) => this.lists.has(w) && this.lists.get(w)!.items.length <= limit)
      .sort((a, b) => this.lists.get(a)!.items.length - this.lists.get(b)!.items.length || a - b);
    const budget = budgetPerItem * this.wordCounts.length;
    let total = 0;
    const read = new Set<number>();
    for (const w of kept) {
      total += this.lists.get(w)!.items.length;
      if (total > budget) break;
      read.add(w);
    }
    for (const word of query.words) {
      if (!read.has(word)) continue;
      const list = this.lists.get(word)!;
      this.postingsRead += list.items.length;
      yield { word, items: Uint32Array.from(list.items), residuals: Uint8Array.from(list.residuals) };
    }
  }

  /** Postings (item, residual) stored per item on average, and bytes at 4 + bytesPerWord each. */
  postingsPerItem(): number {
    return this.wordCounts.reduce((a, b) => a + b, 0) / Math.max(1, this.wordCounts.length);
  }
}

/** What several configurations over one codebook and one set share: signatures and re-rank inlier counts. */
export class QualityCache {
  readonly inliers = new Map<string, number>();
  private database?: ImageSignature[];
  private readonly queries = new Map<number, ImageSignature[]>();
  constructor(private readonly k: KernelExports, private readonly cb: Codebook, private readonly data: RetrievalSet) {}

  /** Median wall time (ms, Node) of one image's signature: database side, and query side per multiple assignment. */
  readonly signatureMs: Record<string, number> = {};

  databaseSignatures(): ImageSignature[] {
    this.database ??= this.timed("database", (s) => databaseSignature(this.k, this.cb, s.features.descriptors, s.features.count));
    return this.database;
  }

  querySignatures(multiAssign: number): ImageSignature[] {
    let q = this.queries.get(multiAssign);
    if (!q) {
      q = this.timed(`queryMA${multiAssign}`, (s) => querySignature(this.k, this.cb, s.features.descriptors, s.features.count, { multiAssign }));
      this.queries.set(multiAssign, q);
    }
    return q;
  }

  private timed(name: string, sign: (s: FeatureSet) => ImageSignature): ImageSignature[] {
    const times: number[] = [];
    const out = this.data.sets.map((s) => {
      const t0 = performance.now();
      const r = sign(s);
      times.push(performance.now() - t0);
      return r;
    });
    this.signatureMs[name] = Math.round(times.sort((a, b) => a - b)[times.length >> 1] * 10) / 10;
    return out;
  }
}

/** Quality of one configuration (pass one `cache` to several configurations of the same codebook). */
export function evaluateQuality(
  k: KernelExports, cb: Codebook, data: RetrievalSet, config: QualityConfig, cache = new QualityCache(k, cb, data),
): QualityFigures & { postingsPerItem: number; postingsReadPerQuery: number; inliers: Record<string, Record<string, number>> } {
  const n = data.sets.length;
  const inliers = cache.inliers;
  const index = new MemoryIndex(Math.ceil(cb.dim / 8));
  cache.databaseSignatures().forEach((s, i) => index.add(i, s));
  const querySignatures = cache.querySignatures(config.multiAssign);
  let apSum = 0, p1Sum = 0, p5Sum = 0, results = Infinity;
  const positive: number[] = [];
  const negative: number[] = [];
  for (let q = 0; q < n; q++) {
    const qs = querySignatures[q];
    const ranked = scoreShortlist(qs, index.postings(qs, config.maxDf, config.postingsBudget), (item) => index.wordCounts[item], n, { alpha: config.alpha, tau: config.tau })
      .filter((r) => r.item !== q);
    const head = ranked.slice(0, config.shortlist);
    const pairs = config.rerankPairs ?? "exact";
    const key = (item: number) => `${pairs}:${q}:${item}`;
    const missing = head.filter((r) => !inliers.has(key(r.item)));
    if (missing.length > 0) {
      const database = cache.databaseSignatures();
      const verified = rerankCandidates(k, data.sets[q], missing.map((r) => ({ ...r, features: data.sets[r.item], words: database[r.item].featureWords ?? null })), config.match,
        { pairs, query: qs.featureWords ?? null });
      for (const v of verified) inliers.set(key(v.item), v.numInliers);
    }
    // Same order as rerankCandidates: (inliers desc, score desc, input order).
    const reranked = head
      .map((r, order) => {
        const count = inliers.get(key(r.item))!;
        (data.groups[r.item] === data.groups[q] ? positive : negative).push(count);
        return { ...r, order, inl: count >= config.minInliers ? count : 0 };
      })
      .sort((a, b) => b.inl - a.inl || b.score - a.score || a.order - b.order);
    const order = [...reranked.map((r) => r.item), ...ranked.slice(config.shortlist).map((r) => r.item)];
    results = Math.min(results, order.length);
    const relevant = new Set<number>();
    data.groups.forEach((g, i) => { if (i !== q && g === data.groups[q]) relevant.add(i); });
    const s = scoreQuery(order, relevant);
    apSum += s.ap; p1Sum += s.p1; p5Sum += s.p5;
  }
  return { queries: n, mAP: apSum / n, p1: p1Sum / n, p5: p5Sum / n, resultsPerQuery: results, postingsPerItem: index.postingsPerItem(),
    postingsReadPerQuery: index.postingsRead / n,
    inliers: { sameGroup: quantiles(positive), otherGroup: quantiles(negative) } };
}

const round = (x: number) => Math.round(x * 10000) / 10000;

/** Quantiles of the re-ranked pairs' inlier counts (how far chance inliers reach). */
function quantiles(values: number[]): Record<string, number> {
  if (values.length === 0) return {};
  const v = [...values].sort((a, b) => a - b);
  const at = (p: number) => v[Math.floor(p * (v.length - 1))];
  return { pairs: v.length, min: v[0], p10: at(0.1), median: at(0.5), p90: at(0.9), p99: at(0.99), max: v[v.length - 1] };
}

const SNAPSHOT = "tmp/bench-retrieval-quality-src";
const STATE = "tmp/bench-retrieval-quality";
const ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/** wrangler dev reloads on source edits: serve a snapshot so concurrent edits cannot restart it mid-run. */
async function startService(port: number): Promise<ChildProcess> {
  await rm(SNAPSHOT, { recursive: true, force: true });
  for (const path of ["src", "build", "codecs", "migrations", "model-assets", "wrangler.toml", "package.json", "tsconfig.json"])
    await cp(path, `${SNAPSHOT}/${path}`, { recursive: true });
  await symlink(resolve("node_modules"), `${SNAPSHOT}/node_modules`);
  await rm(STATE, { recursive: true, force: true });
  await mkdir(STATE, { recursive: true });
  const config = `${SNAPSHOT}/wrangler.toml`;
  await new Promise<void>((done, fail) => {
    const child = spawn("npx", ["wrangler", "d1", "migrations", "apply", "INDEX_DB", "--local", "--config", config, "--persist-to", STATE], { env: ENV, stdio: ["ignore", "ignore", "inherit"] });
    child.on("exit", (code) => (code === 0 ? done() : fail(new Error(`migrations exited ${code}`))));
  });
  const child = spawn("npx", [
    "wrangler", "dev", "--config", config, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", STATE, "--var", "MODEL_FALLBACK:synthetic:1",
  ], { env: ENV, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (/Ready on/.test(log)) return child;
    if (child.exitCode !== null) break;
  }
  process.kill(-child.pid!, "SIGTERM");
  throw new Error(`wrangler dev did not start:\n${log.slice(-2000)}`);
}

/** The protocol through the HTTP API of a running service at `base`. */
export async function evaluateThroughApi(base: string, dataDir: string, names: string[], groups: string[], extraOptions: Record<string, unknown> = {}) {
  const searchOptions = JSON.stringify({ topK: 100, shortlist: 100, ...extraOptions });
  const post = async (path: string, body: string) => {
    const res = await fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text);
  };
  const features = names.map((name) => readFileSync(join(dataDir, "features", `${name}.json`), "utf8"));
  const indexMs: number[] = [];
  for (let i = 0; i < names.length; i++) {
    const t0 = performance.now();
    await post("/v1/index", `{"id":${JSON.stringify(names[i])},"features":${features[i]}}`);
    indexMs.push(performance.now() - t0);
  }
  const searchMs: number[] = [];
  let apSum = 0, p1Sum = 0, p5Sum = 0, results = Infinity;
  for (let q = 0; q < names.length; q++) {
    const t0 = performance.now();
    const body = await post("/v1/search", `{"features":${features[q]},"options":${searchOptions}}`) as { results: Array<{ id: string }> };
    searchMs.push(performance.now() - t0);
    const order = body.results.map((r) => names.indexOf(r.id)).filter((i) => i !== q);
    results = Math.min(results, order.length);
    const relevant = new Set<number>();
    groups.forEach((g, i) => { if (i !== q && g === groups[q]) relevant.add(i); });
    const s = scoreQuery(order, relevant);
    apSum += s.ap; p1Sum += s.p1; p5Sum += s.p5;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const n = names.length;
  return {
    path: "HTTP API (wrangler dev, local D1 + R2)", queries: n, mAP: round(apSum / n), p1: round(p1Sum / n), p5: round(p5Sum / n),
    resultsPerQuery: results, options: JSON.parse(searchOptions),
    wallMsMedian: { index: Math.round(median(indexMs)), search: Math.round(median(searchMs)) },
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: "string", default: "../shared/data/retrieval" },
      codebook: { type: "string", default: "model-assets/codebook/codebook.bin" },
      "multi-assign": { type: "string", default: String(DEFAULT_QUALITY_CONFIG.multiAssign) },
      alpha: { type: "string", default: "3" },
      tau: { type: "string", default: "0" },
      "max-df": { type: "string", default: "1" },
      shortlist: { type: "string", default: String(DEFAULT_QUALITY_CONFIG.shortlist) },
      residual: { type: "string", default: "20" },
      matcher: { type: "string", default: "mnn" },
      distance: { type: "string", default: "0.8" },
      "no-rerank": { type: "boolean", default: false },
      "min-inliers": { type: "string", default: "0" },
      sweep: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      api: { type: "boolean", default: false },
      url: { type: "string" },
      port: { type: "string", default: "8794" },
      "rerank-pairs": { type: "string", default: "exact" },
      "postings-budget": { type: "string", default: "Infinity" },
      options: { type: "string", default: "{}" },
    },
  });
  if (!existsSync(join(values.data, "features"))) {
    process.stderr.write(`retrieval-quality: ${values.data}/features not found (the shared evaluation set)\n`);
    return 2;
  }
  const data = loadRetrievalSet(values.data);
  if (values.api || values.url) {
    const dev = values.url ? undefined : await startService(Number(values.port));
    try {
      const out = await evaluateThroughApi(values.url ?? `http://127.0.0.1:${values.port}`, values.data, data.names, data.groups, JSON.parse(values.options));
      process.stdout.write(values.json ? `${JSON.stringify(out)}\n` : `${JSON.stringify(out, null, 2)}\n`);
    } finally {
      if (dev) process.kill(-dev.pid!, "SIGTERM");
    }
    return 0;
  }
  const k = await loadKernelsInNode();
  const codebooks = await Promise.all(values.codebook.split(",").map(async (path) => ({ path, cb: await parseCodebook(new Uint8Array(readFileSync(path))) })));
  const match = {
    matcher: values.matcher, distance: Number(values.distance), ransac: { residual: Number(values.residual) },
  } as MatchOptionsInput;
  const base: QualityConfig = {
    multiAssign: Number(values["multi-assign"]), alpha: Number(values.alpha), tau: Number(values.tau), maxDf: Number(values["max-df"]),
    shortlist: values["no-rerank"] ? 0 : Number(values.shortlist), minInliers: Number(values["min-inliers"]), match,
    rerankPairs: values["rerank-pairs"] as RerankPairs, postingsBudget: Number(values["postings-budget"]),
  };
  const rows: Array<Record<string, unknown>> = [];
  const started = performance.now();
  for (const { path, cb } of codebooks) {
    const cache = new QualityCache(k, cb, data);
    const configs: QualityConfig[] = values.sweep
      ? [1, 3, 5].flatMap((multiAssign) => [0, 20, 100].map((shortlist) => ({ ...base, multiAssign, shortlist })))
      : [base];
    for (const config of configs) {
      const t0 = performance.now();
      const r = evaluateQuality(k, cb, data, config, cache);
      rows.push({
        codebook: path, numWords: cb.numWords, sha256: cb.sha256, multiAssign: config.multiAssign, alpha: config.alpha, tau: config.tau, maxDf: config.maxDf,
        shortlist: config.shortlist, minInliers: config.minInliers, rerankPairs: config.rerankPairs, postingsBudget: config.postingsBudget, matcher: match.matcher, residual: match.ransac?.residual, distance: match.distance,
        mAP: round(r.mAP), p1: round(r.p1), p5: round(r.p5), queries: r.queries, resultsPerQuery: r.resultsPerQuery,
        postingsPerItem: Math.round(r.postingsPerItem),
        // Read cost per query grows with the index: ≈ items × this fraction at any size (same word statistics).
        postingsReadPerQueryPerItem: Math.round((r.postingsReadPerQuery / r.queries) * 1000) / 1000,
        signatureMsMedian: { ...cache.signatureMs }, inliers: r.inliers, seconds: Math.round(performance.now() - t0) / 1000,
      });
      if (!values.json) process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    }
  }
  const out = values.sweep ? { rows, seconds: (performance.now() - started) / 1000 } : rows[0];
  process.stdout.write(values.json ? `${JSON.stringify(out)}\n` : `${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
