/**
 * Retrieval orchestration (issue 13): index one item, search, the batch-ingestion consumer. Storage is
 * the D1 + R2 store; aggregation, scoring and re-ranking are the core (src/retrieval/core). Kernel work
 * runs in the isolate's serial queue (one kernels arena), storage I/O outside it.
 */
import {
  databaseSignature, querySignature, rerankCandidates, ShortlistScorer, type Codebook, type RerankPairs,
} from "./core";
import { D1RetrievalStore, type ItemRecord, type JobGuard } from "./store/d1-store";
import type { FeatureSet } from "../features/feature-set";
import type { MatchOptionsInput } from "../match";
import type { ServiceContext } from "../service/context";

/** A retrieval error with an API code (mapped to its status by the HTTP layer). */
export class RetrievalError extends Error {
  constructor(
    readonly code: "index_unavailable" | "invalid_features" | "item_not_found" | "job_not_found",
    message: string,
  ) {
    super(message);
    this.name = "RetrievalError";
  }
}

export interface RetrievalDeps {
  ctx: Pick<ServiceContext, "kernels" | "queue">;
  store: D1RetrievalStore;
  codebook: Codebook;
}

export const DEFAULT_TOP_K = 10;
export const DEFAULT_SHORTLIST = 100;
/**
 * /v1/search's cost controls, chosen by measurement (docs/retrieval.md "Read cost at scale"): single
 * assignment on the query side and a stop-word cap keep the postings read per query small at 100k
 * items with the real word skew, for the same mAP after re-ranking on the stand-in set.
 */
export const DEFAULT_MULTI_ASSIGN = 1;
export const DEFAULT_MAX_DF = 0.1;
/** Lists this short are never stop words: they cost little to read, and in a small index every word is "frequent". */
export const STOP_WORD_MIN_POSTINGS = 1000;
/**
 * The query-side postings budget: a query reads its words rarest first while their entries add up to at
 * most this many per indexed item (Infinity: no budget), and never less than POSTINGS_BUDGET_MIN entries.
 * 5 by measurement (docs/retrieval.md, fourth round): at 100k items p50 683 → 442 ms, the query's own item
 * first as often (19/20); on the stand-in set without the floor mAP 0.9924 → 0.9909 (3: 0.9829, 2: 0.906).
 */
export const DEFAULT_POSTINGS_BUDGET = 5;
export const POSTINGS_BUDGET_MIN = 100_000;
/** The re-rank's putative pairs (core/rerank.ts RerankPairs). */
export const DEFAULT_RERANK_PAIRS: RerankPairs = "exact";

/** The scoring pass asks for this many times the shortlist, so stale versions do not crowd it out. */
const SHORTLIST_SLACK = 2;

function checkDim(set: FeatureSet, codebook: Codebook, what: string): void {
  if (set.features.count > 0 && set.features.dim !== codebook.dim)
    throw new RetrievalError("invalid_features", `${what} descriptors have ${set.features.dim} dimensions; the codebook has ${codebook.dim}`);
}

/** Indexes (or replaces) one item; with a guard, returns null when another attempt already did. */
export async function indexItem(
  deps: RetrievalDeps,
  item: { id: string; set: FeatureSet; metadata: string | null },
  guard?: JobGuard,
): Promise<{ id: string; numFeatures: number } | null> {
  checkDim(item.set, deps.codebook, "item");
  const f = item.set.features;
  const signature = await deps.ctx.queue.run(() => databaseSignature(deps.ctx.kernels, deps.codebook, f.descriptors, f.count));
  const written = await deps.store.writeItems([{ id: item.id, features: item.set, signature, metadata: item.metadata }], guard);
  if (written === null) return null;
  return { id: item.id, numFeatures: f.count };
}

export interface SearchOptions {
  topK: number;
  shortlist: number;
  match: MatchOptionsInput;
  /** Query-side multiple assignment (core's default, ASMK*'s 5, when absent); the benchmark varies it. */
  multiAssign?: number;
  /**
   * Query words whose posting list holds more than this fraction of the items, and more than
   * STOP_WORD_MIN_POSTINGS entries, are not read (1 or absent: all read).
   */
  maxDf?: number;
  /** Posting entries read per indexed item, rarest words first (absent: DEFAULT_POSTINGS_BUDGET). */
  postingsBudget?: number;
  /** How the re-rank finds putative pairs (absent: DEFAULT_RERANK_PAIRS). */
  rerankPairs?: RerankPairs;
}

export interface SearchResult {
  results: Array<{ id: string; score: number; numInliers: number; transform: { type: "affine" | "homography"; matrix: number[][] } | null; metadata: unknown }>;
  numCandidates: number;
  timingsMs: Record<string, number>;
  /** Posting entries read (the read cost; the benchmark reports it, the API does not). */
  postingsRead: number;
}

export async function search(deps: RetrievalDeps, query: FeatureSet, options: SearchOptions): Promise<SearchResult> {
  checkDim(query, deps.codebook, "query");
  const t0 = performance.now();
  const q = query.features;
  const signature = await deps.ctx.queue.run(() => querySignature(deps.ctx.kernels, deps.codebook, q.descriptors, q.count, options.multiAssign ? { multiAssign: options.multiAssign } : undefined));
  const t1 = performance.now();
  const scorer = new ShortlistScorer(signature);
  const postings = await deps.store.scorePostings(scorer, signature.words, {
    maxDf: options.maxDf ?? 1,
    minEntries: STOP_WORD_MIN_POSTINGS,
    budgetPerItem: options.postingsBudget ?? DEFAULT_POSTINGS_BUDGET,
    minBudget: POSTINGS_BUDGET_MIN,
  });
  const t2 = performance.now();
  const scored = scorer.shortlist((item) => postings.wordCounts.get(item) ?? 1, options.shortlist * SHORTLIST_SLACK);
  const t3 = performance.now();
  const live = await deps.store.resolveItems(scored.map((s) => s.item));
  const shortlist = scored.filter((s) => live.has(s.item)).slice(0, options.shortlist);
  const t4 = performance.now();
  // A version replaced or deleted between the two reads has no features any more: it drops out.
  const loaded = await Promise.all(
    shortlist.map(async (s) => {
      const stored = await deps.store.readFeatures(s.item);
      return stored ? { score: s.score, features: stored.set, words: stored.words, record: live.get(s.item)! } : null;
    }),
  );
  const candidates = loaded.filter((c): c is { score: number; features: FeatureSet; words: Int32Array | null; record: ItemRecord } => c !== null);
  const t5 = performance.now();
  const featureWords = { pairs: options.rerankPairs ?? DEFAULT_RERANK_PAIRS, query: signature.featureWords ?? null };
  const reranked = await deps.ctx.queue.run(() => rerankCandidates(deps.ctx.kernels, query, candidates, options.match, featureWords));
  const t6 = performance.now();
  return {
    results: reranked.slice(0, options.topK).map((r) => ({
      id: r.record.id,
      score: r.score,
      numInliers: r.numInliers,
      transform: r.transform,
      metadata: r.record.metadata,
    })),
    numCandidates: candidates.length,
    postingsRead: postings.entries,
    timingsMs: {
      signature: t1 - t0,
      // postings = the D1 statement (postingsQuery) + decoding and scoring the rows (postingsScore);
      // score = normalising and selecting the shortlist.
      postings: t2 - t1,
      postingsQuery: postings.queryMs,
      postingsScore: postings.scoreMs,
      score: t3 - t2,
      resolve: t4 - t3,
      fetch: t5 - t4,
      rerank: t6 - t5,
      total: t6 - t0,
    },
  };
}

/** Compaction steps until none is due (bounded), for waitUntil after writes. Errors are logged, not thrown. */
export async function compactIndex(store: D1RetrievalStore, codebook: Codebook, maxSteps = 4): Promise<number> {
  let steps = 0;
  try {
    while (steps < maxSteps && (await store.compactOnce(codebook.numWords, Math.ceil(codebook.dim / 8)))) steps++;
  } catch (error) {
    console.error("compaction failed", error);
  }
  return steps;
}
