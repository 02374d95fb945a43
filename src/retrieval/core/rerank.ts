/**
 * Geometric re-ranking of a shortlist, as DELF's image_reranking.py: for each candidate, the query's
 * descriptors are matched to the candidate's (nearest neighbour below the distance bound), RANSAC
 * fits the query → candidate transform, and candidates are sorted by (inliers desc, shortlist score
 * desc, input order). No inlier threshold. NN and RANSAC run in the AssemblyScript kernels, all
 * candidates in one synchronous pass over one resolved set of options (run it inside the service's
 * serial queue: the kernels have one arena).
 */
import type { KernelExports } from "../../runtime/kernels";
import { transformBetweenOriginals, type FeatureSet } from "../../features/feature-set";
import { nearestNeighbours, putativePoints, ransac, resolveMatchOptions, type MatchOptionsInput } from "../../match";
import { sharedWordPairs } from "./shared-word-pairs";

export interface RerankTransform {
  type: "affine" | "homography";
  /** 3×3 row-major, mapping query [x, y, 1] to candidate [x, y] in ORIGINAL image pixels. */
  matrix: number[][];
}

/**
 * What search changes of the /v1/match defaults: mutual nearest neighbours. On the stand-in set
 * (docs/retrieval.md, Quality) one-way "nn" putatives let RANSAC find 10–30 chance inliers in
 * unrelated images and re-ranking lowered mAP (0.993 → 0.897); "mnn" raised it (→ 0.998).
 * The caller's own `matcher` wins.
 */
export const RERANK_DEFAULTS: Readonly<MatchOptionsInput> = Object.freeze({ matcher: "mnn" });

export type Reranked<T> = T & { numInliers: number; transform: RerankTransform | null };

/**
 * How putative pairs are found: "exact" = /v1/match's nearest neighbours over all features;
 * "shared-words" = mutual nearest neighbours among features of the same visual word (core/shared-word-pairs.ts),
 * used for a candidate only when both sides have their features' words and the matcher is "mnn".
 */
export type RerankPairs = "exact" | "shared-words";

/** Features' nearest words of the query and of each candidate (null: not stored: exact pairs). */
export interface FeatureWords {
  pairs: RerankPairs;
  query: Int32Array | null;
}

/** Inliers and transform of one candidate (processed-frame locations, as /v1/match does). */
function verifyCandidate(
  k: KernelExports, query: FeatureSet, candidate: FeatureSet, options: ReturnType<typeof resolveMatchOptions>,
  words: { query: Int32Array; candidate: Int32Array } | null,
): { numInliers: number; transform: RerankTransform | null } {
  const q = query.features;
  const c = candidate.features;
  if (q.count === 0 || c.count === 0) return { numInliers: 0, transform: null };
  // Image 1 = candidate (searched), image 2 = query (each query descriptor looks for its neighbour).
  const putative = words && c.dim === q.dim
    ? sharedWordPairs({ descriptors: c.descriptors, words: words.candidate }, { descriptors: q.descriptors, words: words.query }, q.dim, options.distance * options.distance)
    : nearestNeighbours(k, c, q, options).putative;
  // putativePoints gives candidate → query points; RANSAC fits query → candidate.
  const { src: dst, dst: src } = putativePoints(c, q, putative);
  const verified = ransac(k, src, dst, options.ransac);
  return {
    numInliers: verified.numInliers,
    transform: verified.transform
      ? { type: verified.model, matrix: transformBetweenOriginals(verified.transform, query, candidate) }
      : null,
  };
}

/**
 * Re-ranks `candidates` against `query`. Options are the /v1/match options over RERANK_DEFAULTS
 * (validated here: throws InvalidMatchOptionsError, code invalid_options). Sorted by (numInliers desc, score desc, input order).
 */
export function rerankCandidates<T extends { score: number; features: FeatureSet; words?: Int32Array | null }>(
  k: KernelExports, query: FeatureSet, candidates: T[], options?: MatchOptionsInput, featureWords?: FeatureWords,
): Array<Reranked<T>> {
  const isObject = typeof options === "object" && options !== null && !Array.isArray(options);
  const resolved = resolveMatchOptions(isObject ? { ...RERANK_DEFAULTS, ...options } : options ?? RERANK_DEFAULTS);
  const queryWords = featureWords?.pairs === "shared-words" && resolved.matcher === "mnn" ? featureWords.query : null;
  const verified = candidates.map((candidate, order) => {
    const words = queryWords && candidate.words ? { query: queryWords, candidate: candidate.words } : null;
    return { order, result: { ...candidate, ...verifyCandidate(k, query, candidate.features, resolved, words) } as Reranked<T> };
  });
  verified.sort(
    (a, b) => b.result.numInliers - a.result.numInliers || b.result.score - a.result.score || a.order - b.order,
  );
  return verified.map((v) => v.result);
}
