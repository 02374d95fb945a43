/**
 * Benchmark Worker for `npm run --silent bench -- retrieval` (never deployed). It runs the real
 * D1/R2 store and the real search inside workerd; the driver (scripts/bench/retrieval.ts) calls:
 *   POST /setup  {words, seed}            a random codebook of `words` unit centroids (40-d)
 *   POST /load   {from, count, words}     bulk items straight through the store, ONE segment per call,
 *                                         with synthetic signatures (see below)
 *   POST /index  {from, count}            the real index path per item (databaseSignature + write)
 *   POST /compact {maxSteps?}              up to maxSteps compaction steps (default 1: one bounded step per request)
 *   POST /search {item, shortlist, topK, multiAssign?}  the real search with item's (shifted) features
 *   POST /probe  {item, multiAssign?, maxDf?, postingsBudget?, rerankPairs?}  where one search's time goes, part by part (the same
 *                                         query as /search, each part timed alone: see probe())
 *   GET  /stats
 * Synthetic items: item i has distinct visual words; its features are those centroids plus a little
 * noise (one feature per word), so a query with item i's features shortlists and re-ranks item i.
 *   - "real" (setup with {codebookBase64, wordWeights, wordsPerItem}): the committed codebook; item i takes
 *     wordsPerItem[i mod n] distinct words drawn one after another with probability ∝ wordWeights (the
 *     stand-in items' document frequency per word, see scripts/bench/retrieval.ts), duplicates redrawn;
 *   - "uniform" (setup with {words, seed}): a random codebook of `words` unit centroids, `words` per
 *     item drawn uniformly (the first version of this bench).
 * Bulk loading skips the word assignment (its residual bytes are random): assigning 100k items to a
 * large codebook would take hours here; /index measures the full per-item path.
 */
import { startRuntime } from "../../../src/runtime/start";
import { workerWasmModules } from "../../../src/runtime/wasm-modules.worker";
import { D1RetrievalStore, type NewItemVersion } from "../../../src/retrieval/store/d1-store";
import { compactIndex, indexItem, search, type RetrievalDeps } from "../../../src/retrieval/service";
import { parseCodebook, querySignature, RERANK_DEFAULTS, type Codebook } from "../../../src/retrieval/core";
import { sharedWordPairs } from "../../../src/retrieval/core/shared-word-pairs";
import type { StoredFeatures } from "../../../src/retrieval/store/packed-features";
import { nearestNeighbours, putativePoints, ransac, resolveMatchOptions } from "../../../src/match";
import { DEFAULT_POSTINGS_BUDGET, POSTINGS_BUDGET_MIN, STOP_WORD_MIN_POSTINGS } from "../../../src/retrieval/service";
import { SerialQueue } from "../../../src/service/serial-queue";
import { SeededRandom } from "../../../src/match/prng";
import type { FeatureSet } from "../../../src/features/feature-set";

interface Env {
  INDEX_DB: D1Database;
  FEATURES: R2Bucket;
}

const DIM = 40;
let codebook: Codebook | undefined;
/** "real" mode: cumulative word weights and the words-per-item cycle; absent = uniform words. */
let skew: { cumulative: Float64Array; wordsPerItem: number[] } | undefined;
const queue = new SerialQueue();

/** Uniform in [0, 1) from the project's seeded generator (src/match/prng.ts). */
function prng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.nextUint32() / 4294967296;
}

function makeCodebook(words: number, seed: number): Codebook {
  const rand = prng(seed);
  const centroids = new Float32Array(words * DIM);
  for (let w = 0; w < words; w++) {
    let n = 0;
    for (let d = 0; d < DIM; d++) n += (centroids[w * DIM + d] = rand() * 2 - 1) ** 2;
    for (let d = 0; d < DIM; d++) centroids[w * DIM + d] /= Math.sqrt(n);
  }
  return { numWords: words, dim: DIM, centroids, sha256: "bench" };
}

/** Item i: sorted distinct words, features near those centroids, random locations (and residuals). */
function syntheticItem(cb: Codebook, i: number, wordsPerItem: number) {
  const rand = prng(1_000_003 * (i + 1));
  const chosen = new Set<number>();
  if (skew) {
    const c = skew.cumulative;
    const n = skew.wordsPerItem[i % skew.wordsPerItem.length];
    while (chosen.size < n) {
      const u = rand() * c[c.length - 1];
      let lo = 0;
      let hi = c.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (c[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      chosen.add(lo);
    }
  } else while (chosen.size < Math.min(wordsPerItem, cb.numWords)) chosen.add(Math.floor(rand() * cb.numWords));
  const words = Uint32Array.from([...chosen].sort((a, b) => a - b));
  const count = words.length;
  const descriptors = new Float32Array(count * DIM);
  const locations = new Float32Array(count * 2);
  for (let f = 0; f < count; f++) {
    if (skew) {
      // The real codebook's cells are small: 0.1 % noise keeps each feature nearest its own word.
      for (let d = 0; d < DIM; d++) descriptors[f * DIM + d] = cb.centroids[words[f] * DIM + d] + 0.001 * (rand() * 2 - 1);
    } else {
      let n = 0;
      for (let d = 0; d < DIM; d++) n += (descriptors[f * DIM + d] = cb.centroids[words[f] * DIM + d] + 0.05 * (rand() * 2 - 1)) ** 2;
      for (let d = 0; d < DIM; d++) descriptors[f * DIM + d] /= Math.sqrt(n);
    }
    locations[2 * f] = rand() * 480;
    locations[2 * f + 1] = rand() * 640;
  }
  const residuals = new Uint8Array(count * 5);
  for (let b = 0; b < residuals.length; b++) residuals[b] = Math.floor(rand() * 256);
  const set: FeatureSet = {
    features: { count, dim: DIM, locations, descriptors, scales: new Float32Array(count).fill(1), scores: new Float32Array(count) },
    image: { width: 640, height: 480 },
    processed: null,
    model: null,
  };
  // Feature f is word words[f]: its nearest word, as the index path stores it for the shared-word re-rank.
  return { set, signature: { words, residuals, bytesPerWord: 5, featureWords: Int32Array.from(words) } };
}

/** The query /search sends for item i: its features with the locations scaled and shifted. */
function queryOf(cb: Codebook, item: number, words: number): FeatureSet {
  const { set } = syntheticItem(cb, item, words);
  const f = set.features;
  for (let k = 0; k < f.count; k++) {
    f.locations[2 * k] = 0.9 * f.locations[2 * k] + 7;
    f.locations[2 * k + 1] = 0.9 * f.locations[2 * k + 1] - 12;
  }
  return set;
}

const ms = async <T>(f: () => Promise<T> | T): Promise<[number, T]> => {
  const t = performance.now();
  const v = await f();
  return [performance.now() - t, v];
};

/**
 * One search taken apart (all inside this isolate, on local D1/R2): the postings statement with and
 * without moving the bytes out of SQLite, the shortlist's R2 reads in parallel vs one by one, and the
 * re-rank's nearest-neighbour and RANSAC parts. Same query and options as /search.
 */
async function probe(d: RetrievalDeps, env: Env, body: Record<string, any>) {
  const query = queryOf(d.codebook, body.item, body.words);
  const q = query.features;
  const [signatureMs, sig] = await ms(() => querySignature(d.ctx.kernels, d.codebook, q.descriptors, q.count, { multiAssign: body.multiAssign ?? 1 }));
  const maxDf = body.maxDf ?? 1;
  const select = { maxDf, minEntries: STOP_WORD_MIN_POSTINGS, budgetPerItem: body.postingsBudget ?? DEFAULT_POSTINGS_BUDGET, minBudget: POSTINGS_BUDGET_MIN };
  const stmt = (columns: string) => d.store.postingsStatement(sig.words, select, columns);
  // The text length counted inside SQLite (every page read; format 1 through hex() as the search reads it), nothing moved out.
  const text = "CASE s.format WHEN 1 THEN hex(p.data) ELSE p.data END";
  const [sqliteReadMs, counted] = await ms(() => stmt(`sum(length(${text})) AS chars, count(*) AS rows`).first<{ chars: number; rows: number }>());
  // The same rows moved out as the search reads them.
  const [textOutMs] = await ms(() => stmt(`p.word, s.format, ${text}`).raw());
  const [searchMs, result] = await ms(() => search(d, query, { topK: 10, shortlist: 100, match: {}, multiAssign: body.multiAssign ?? 1, maxDf, postingsBudget: body.postingsBudget, rerankPairs: body.rerankPairs }));
  // The shortlist's features: search's R2 reads (parallel), then one by one.
  const items = (await env.INDEX_DB.prepare("SELECT item_no FROM items ORDER BY random() LIMIT 100").raw<[number]>()).map((r) => r[0]);
  const [r2ParallelMs, sets] = await ms(() => Promise.all(items.map((i) => d.store.readFeatures(i))));
  const [r2SequentialMs] = await ms(async () => {
    for (const i of items) await d.store.readFeatures(i);
  });
  const candidates = sets.filter((s): s is StoredFeatures => s !== null);
  const options = resolveMatchOptions({ ...RERANK_DEFAULTS });
  let nnMs = 0;
  let ransacMs = 0;
  let putatives = 0;
  let sharedMs = 0;
  let sharedPutatives = 0;
  let sharedRansacMs = 0;
  const boundSq = options.distance * options.distance;
  for (const c of candidates) {
    const [a, nn] = await ms(() => nearestNeighbours(d.ctx.kernels, c.set.features, q, options));
    const [b] = await ms(() => {
      const { src: dst, dst: src } = putativePoints(c.set.features, q, nn.putative);
      return ransac(d.ctx.kernels, src, dst, options.ransac);
    });
    nnMs += a;
    ransacMs += b;
    putatives += nn.putative.length;
    if (c.words && sig.featureWords) {
      const [e, pairs] = await ms(() => sharedWordPairs({ descriptors: c.set.features.descriptors, words: c.words! }, { descriptors: q.descriptors, words: sig.featureWords! }, q.dim, boundSq));
      const [f] = await ms(() => {
        const { src: dst, dst: src } = putativePoints(c.set.features, q, pairs);
        return ransac(d.ctx.kernels, src, dst, options.ransac);
      });
      sharedMs += e;
      sharedRansacMs += f;
      sharedPutatives += pairs.length;
    }
  }
  return {
    postingsChars: counted?.chars, postingsRows: counted?.rows, signatureMs, sqliteReadMs, textOutMs, searchMs,
    search: result.timingsMs, r2ParallelMs, r2SequentialMs, candidates: candidates.length,
    rerankNnMs: nnMs, rerankRansacMs: ransacMs, putativesPerCandidate: putatives / Math.max(1, candidates.length),
    sharedWordPairsMs: sharedMs, sharedWordRansacMs: sharedRansacMs, sharedWordPutativesPerCandidate: sharedPutatives / Math.max(1, candidates.length),
  };
}

async function deps(env: Env): Promise<RetrievalDeps> {
  if (!codebook) throw new Error("POST /setup first");
  const { kernels } = await startRuntime(workerWasmModules);
  return { ctx: { kernels, queue }, store: new D1RetrievalStore(env.INDEX_DB, env.FEATURES), codebook };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    const body = request.method === "POST" ? ((await request.json()) as Record<string, any>) : {};
    const t0 = performance.now();
    if (path === "/setup") {
      if (body.codebookBase64) {
        const bytes = Uint8Array.from(atob(body.codebookBase64), (ch) => ch.charCodeAt(0));
        codebook = await parseCodebook(bytes);
        const weights = body.wordWeights as number[];
        const cumulative = new Float64Array(weights.length);
        let sum = 0;
        weights.forEach((w, j) => (cumulative[j] = sum += w));
        skew = { cumulative, wordsPerItem: body.wordsPerItem };
      } else {
        codebook = makeCodebook(body.words, body.seed ?? 1);
        skew = undefined;
      }
      return Response.json({ ok: true, numWords: codebook.numWords });
    }
    const d = await deps(env);
    if (path === "/load") {
      const items: NewItemVersion[] = [];
      for (let i = body.from; i < body.from + body.count; i++) {
        const { set, signature } = syntheticItem(d.codebook, i, body.words);
        items.push({ id: `item-${i}`, features: set, signature, metadata: null });
      }
      const t1 = performance.now();
      await d.store.writeItems(items);
      return Response.json({ generateMs: t1 - t0, writeMs: performance.now() - t1 });
    }
    if (path === "/index") {
      const perItem: number[] = [];
      for (let i = body.from; i < body.from + body.count; i++) {
        const { set } = syntheticItem(d.codebook, i, body.words);
        const s = performance.now();
        await indexItem(d, { id: `item-${i}`, set, metadata: null });
        perItem.push(performance.now() - s);
      }
      return Response.json({ perItemMs: perItem });
    }
    if (path === "/compact") {
      const steps = await compactIndex(d.store, d.codebook, body.maxSteps ?? 1);
      return Response.json({ steps, ms: performance.now() - t0 });
    }
    if (path === "/probe") return Response.json(await probe(d, env, body));
    if (path === "/search") {
      const set = queryOf(d.codebook, body.item, body.words);
      const result = await search(d, set, { topK: body.topK ?? 10, shortlist: body.shortlist ?? 100, match: {}, multiAssign: body.multiAssign, maxDf: body.maxDf, postingsBudget: body.postingsBudget, rerankPairs: body.rerankPairs });
      return Response.json({ top: result.results[0] ?? null, numCandidates: result.numCandidates, postingsRead: result.postingsRead, timingsMs: result.timingsMs, wallMs: performance.now() - t0 });
    }
    if (path === "/stats") {
      const stats = await d.store.stats();
      // No full scan of the postings table here: at 100k items it outlasts the HTTP client's patience.
      const size = await env.INDEX_DB.prepare("SELECT 1").run();
      return Response.json({ ...stats, d1Bytes: size.meta.size_after });
    }
    return new Response("not found", { status: 404 });
  },
};
