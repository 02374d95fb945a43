/**
 * Retrieval at scale, measured inside workerd:
 *   npm run --silent bench -- retrieval [--sizes 1000,10000,100000] [--distribution real|uniform]
 *     [--data ../shared/data/retrieval] [--codebook model-assets/codebook/codebook.bin] [--max-df 0.1]
 *     [--postings-budget N] [--rerank-pairs exact|shared-words] [--words 65536] [--item-words 300] [--queries 40] [--probes 5] [--port 8793] [--reuse] [--json]
 * Starts `wrangler dev` (port 8793) on scripts/bench/retrieval/worker.ts with a fresh local D1 + R2
 * under tmp/bench-retrieval, then grows the index size by size and reports per size:
 *   - index time per item: the full per-item path (word assignment + one transaction + one R2 put), on
 *     20 items; and the bulk path used to reach the size (500 items per store write, synthetic signatures);
 *   - storage per item: postings (D1) and packed features (R2), and the D1 file size;
 *   - search p50/p95 over `--queries` queries (features given, shortlist 100, topK 10), as the Worker
 *     times it (signature, postings read, scoring, resolve, R2 reads, re-rank), after compaction; with
 *     the query's multiple assignment 5 (ASMK*: `searchMs`) and 1, each without and with the stop-word
 *     cap --max-df (query words whose list holds > that fraction of the items are not read) and, with it,
 *     --postings-budget (entries read per indexed item, rarest words first; absent: the service default);
 *     --rerank-pairs: the re-rank's putative pairs (absent: the service default);
 *   - `probe`: the default search (MA 1 + cap) taken apart by the Worker's /probe, medians over --probes
 *     queries: the postings statement's SQLite part vs moving the rows out, R2 reads in parallel vs one
 *     by one, the re-rank's nearest neighbours vs RANSAC.
 * --settings default measures only the service's defaults (MA 1 + cap); --reuse measures the index a previous run left (state kept under tmp/bench-retrieval).
 * Synthetic words (--distribution):
 *   - real (default): the committed 16k codebook; each item's words are drawn with probability ∝ the
 *     document frequency of the word among the stand-in items (--data, their database signatures through
 *     that codebook), as many words as a stand-in item has (cycling through them). So the posting-list
 *     lengths, hence the read cost, follow the real skew. Falls back to uniform when --data is absent.
 *   - uniform: a random --words codebook, --item-words uniform words per item (the first version).
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadKernelsInNode } from "../../src/match/node-kernels";
import { databaseSignature, parseCodebook } from "../../src/retrieval/core";
import { loadRetrievalSet } from "./retrieval-quality";
import { snapshotSources, startWranglerDev, stopWranglerDev, wrangler } from "./dev-server";

/** The /setup body of the "real" distribution: the codebook, per-word document frequency and words per item of the stand-in items. */
async function realWordStatistics(dataDir: string, codebookPath: string) {
  const bytes = readFileSync(codebookPath);
  const cb = await parseCodebook(new Uint8Array(bytes));
  const k = await loadKernelsInNode();
  const data = loadRetrievalSet(dataDir);
  const df = new Array<number>(cb.numWords).fill(0);
  const wordsPerItem: number[] = [];
  for (const set of data.sets) {
    const s = databaseSignature(k, cb, set.features.descriptors, set.features.count);
    for (const w of s.words) df[w]++;
    wordsPerItem.push(s.words.length);
  }
  return { body: { codebookBase64: bytes.toString("base64"), wordWeights: df, wordsPerItem }, numWords: cb.numWords, items: data.sets.length, wordsPerItem };
}

const SNAPSHOT = "tmp/bench-retrieval-src";
const CONFIG = `${SNAPSHOT}/scripts/bench/retrieval/wrangler.toml`;
const STATE = "tmp/bench-retrieval";
const BULK = 500;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}


async function run2(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string", default: "1000,10000,100000" },
      words: { type: "string", default: "65536" },
      "item-words": { type: "string", default: "300" },
      queries: { type: "string", default: "40" },
      probes: { type: "string", default: "5" },
      settings: { type: "string", default: "all" },
      port: { type: "string", default: "8793" },
      distribution: { type: "string", default: "real" },
      data: { type: "string", default: "../shared/data/retrieval" },
      codebook: { type: "string", default: "model-assets/codebook/codebook.bin" },
      "max-df": { type: "string", default: "0.1" },
      "postings-budget": { type: "string" },
      "rerank-pairs": { type: "string" },
      json: { type: "boolean", default: false },
      reuse: { type: "boolean", default: false },
    },
  });
  const sizes = values.sizes!.split(",").map(Number);
  const words = Number(values.words);
  const itemWords = Number(values["item-words"]);
  const queries = Number(values.queries);
  const base = `http://127.0.0.1:${values.port}`;
  const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
  const maxDf = Number(values["max-df"]);
  // Absent: the service's default budget.
  const postingsBudget = values["postings-budget"] === undefined ? undefined : Number(values["postings-budget"]);
  const rerankPairs = values["rerank-pairs"];
  let distribution = values.distribution!;
  if (distribution === "real" && !existsSync(join(values.data!, "features"))) {
    log(`${values.data}/features not found: synthetic words fall back to UNIFORM`);
    distribution = "uniform";
  }
  const real = distribution === "real" ? await realWordStatistics(values.data!, values.codebook!) : undefined;
  const setupBody = real ? real.body : { words, seed: 1 };
  if (real) log(`real word statistics: ${real.items} stand-in items, ${real.numWords} words, ${Math.round(real.wordsPerItem.reduce((a, b) => a + b, 0) / real.items)} words per item`);

  await snapshotSources(SNAPSHOT, ["src", "build", "codecs", "migrations", "scripts/bench/retrieval", "package.json", "tsconfig.json"]);
  if (!values.reuse) {
    await rm(STATE, { recursive: true, force: true });
    await rm(`${STATE}-dev.log`, { force: true });
    await mkdir(STATE, { recursive: true });
  }
  // Also on --reuse: an index built before a new migration gets it (applied ones are skipped).
  await wrangler(["d1", "migrations", "apply", "INDEX_DB", "--local", "--config", CONFIG, "--persist-to", STATE]);
  const dev = await startWranglerDev(CONFIG, Number(values.port), STATE, `${STATE}-dev.log`);
  let restarts = 0;
  // Local workerd sometimes restarts the isolate between requests after a large compaction (its state,
  // the codebook, is lost): set it up again and retry once; the count is reported.
  const post = async (path: string, body: unknown, retried = false): Promise<any> => {
    const res = await fetch(base + path, { method: "POST", body: JSON.stringify(body) });
    if (res.status === 503 && !retried && /restarted/.test(await res.clone().text())) {
      restarts++;
      await fetch(base + "/setup", { method: "POST", body: JSON.stringify(setupBody) });
      return post(path, body, true);
    }
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
    return (await res.json()) as any;
  };
  // Compaction one bounded step per request, until none is due (one request for everything outlasted the client at 30k).
  const compactAll = async () => {
    let ms = 0;
    let steps = 0;
    for (;;) {
      const r = await post("/compact", { maxSteps: 1 });
      ms += r.ms;
      if (r.steps === 0) return { ms, steps };
      steps += r.steps;
    }
  };
  const results: any[] = [];
  try {
    await post("/setup", setupBody);
    // --reuse: measure the index a previous run left in tmp/bench-retrieval (no loading at sizes it already has).
    let loaded = values.reuse ? (await fetch(base + "/stats").then((r) => r.json() as Promise<any>)).items : 0;
    let bulkMs = 0;
    for (const size of sizes) {
      const started = Date.now();
      // Reach size − 20 in bulk, then the last 20 through the full per-item path.
      const bulkTarget = size - 20;
      while (loaded < bulkTarget) {
        const count = Math.min(BULK, bulkTarget - loaded);
        const r = await post("/load", { from: loaded, count, words: itemWords });
        bulkMs += r.writeMs;
        loaded += count;
        if (loaded % 10000 < BULK) log(`loaded ${loaded}`);
        if (loaded % (BULK * 16) === 0) await compactAll();
      }
      const indexed = size > loaded ? await post("/index", { from: loaded, count: size - loaded, words: itemWords }) : { perItemMs: [NaN] };
      loaded = size;
      const compaction = await compactAll();
      const stats = await fetch(base + "/stats").then((r) => r.json() as Promise<any>);
      // Queries: ASMK*'s multiple assignment (5, the default) and single assignment (1), interleaved.
      const searchStats = async (multiAssign: number, cap = 1) => {
        const times: number[] = [];
        const read: number[] = [];
        const stages: Record<string, number[]> = {};
        let found = 0;
        for (let q = 0; q < queries + 3; q++) {
          const item = Math.floor((q * 7919 + multiAssign) % size);
          const r = await post("/search", { item, words: itemWords, shortlist: 100, topK: 10, multiAssign, maxDf: cap, postingsBudget: cap < 1 ? postingsBudget : undefined, rerankPairs });
          if (q < 3) continue; // warm-up
          times.push(r.timingsMs.total);
          read.push(r.postingsRead / size);
          for (const [k, v] of Object.entries(r.timingsMs)) (stages[k] ??= []).push(v as number);
          if (r.top?.id === `item-${item}`) found++;
        }
        times.sort((a, b) => a - b);
        return {
          p50: percentile(times, 50),
          p95: percentile(times, 95),
          postingsReadPerItem: Math.round(percentile(read.sort((a, b) => a - b), 50) * 10) / 10,
          stageMedianMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, percentile(v.sort((a, b) => a - b), 50)])),
          topHitIsSource: `${found}/${queries}`,
        };
      };
      // --settings default: only the service's defaults (MA 1 + cap), for long runs at 100k.
      const all = values.settings !== "default";
      const ma5 = all ? await searchStats(5) : undefined;
      const ma1 = all ? await searchStats(1) : undefined;
      const ma5Df = all ? await searchStats(5, maxDf) : undefined;
      const ma1Df = await searchStats(1, maxDf);
      // Where the default search's time goes (MA 1 + cap), part by part: medians over --probes queries.
      const probeParts: Record<string, number[]> = {};
      for (let q = 0; q < Number(values.probes); q++) {
        const r = await post("/probe", { item: Math.floor((q * 104729 + 11) % size), words: itemWords, multiAssign: 1, maxDf, postingsBudget, rerankPairs });
        for (const [k, v] of Object.entries({ ...r, search: undefined, ...Object.fromEntries(Object.entries(r.search).map(([k2, v2]) => [`search.${k2}`, v2])) }))
          if (typeof v === "number") (probeParts[k] ??= []).push(v);
      }
      const probe = Object.fromEntries(Object.entries(probeParts).map(([k, v]) => [k, Math.round(percentile(v.sort((a, b) => a - b), 50) * 10) / 10]));
      const perItem = [...indexed.perItemMs].sort((a: number, b: number) => a - b);
      const row = {
        items: size,
        indexMsPerItem: { fullPathMedian: percentile(perItem, 50), bulkStoreWrite: bulkMs / Math.max(1, size - 20) },
        storageBytesPerItem: {
          postings: stats.postingsBytes / stats.items,
          features: stats.featuresBytes / stats.items,
          d1File: stats.d1Bytes / stats.items,
        },
        segments: stats.segments,
        compactionMs: compaction.ms,
        compactionSteps: compaction.steps,
        searchMs: ma5 ? { p50: ma5.p50, p95: ma5.p95 } : undefined,
        search: { multiAssign5: ma5, multiAssign1: ma1, [`multiAssign5MaxDf${maxDf}`]: ma5Df, [`multiAssign1MaxDf${maxDf}`]: ma1Df },
        probe,
        wallSeconds: (Date.now() - started) / 1000,
        isolateRestarts: restarts,
      };
      log(JSON.stringify(row));
      results.push(row);
    }
  } finally {
    await stopWranglerDev(dev);
  }
  const out = { bench: "retrieval", date: new Date().toISOString(), runtime: "workerd (wrangler dev, local D1 + R2)", distribution,
    codebookWords: real ? real.numWords : words,
    wordsPerItem: real ? `stand-in counts (mean ${Math.round(real.wordsPerItem.reduce((a, b) => a + b, 0) / real.items)})` : itemWords,
    results };
  if (values.json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else for (const r of results) process.stdout.write(`${r.items} items: search p50 ${(r.searchMs ?? r.search[`multiAssign1MaxDf${maxDf}`]).p50.toFixed(1)} ms p95 ${(r.searchMs ?? r.search[`multiAssign1MaxDf${maxDf}`]).p95.toFixed(1)} ms; postings ${r.storageBytesPerItem.postings.toFixed(0)} B/item\n`);
  return 0;
}

export { run2 as run };
