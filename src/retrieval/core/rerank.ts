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

/** Inliers and transform of one candidate (processed-frame locations, as /v1/match does). */
function verifyCandidate(
  k: KernelExports, query: FeatureSet, candidate: FeatureSet, options: ReturnType<typeof resolveMatchOptions>,
): { numInliers: number; transform: RerankTransform | null } {
  const q = query.features;
  const c = candidate.features;
  if (q.count === 0 || c.count === 0) return { numInliers: 0, transform: null };
  // Image 1 = candidate (searched), image 2 = query (each query descriptor looks for its neighbour).
  const { putative } = nearestNeighbours(k, c, q, options);
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
export function rerankCandidates<T extends { score: number; features: FeatureSet }>(
  k: KernelExports, query: FeatureSet, candidates: T[], options?: MatchOptionsInput,
): Array<Reranked<T>> {
  const isObject = typeof options === "object" && options !== null && !Array.isArray(options);
  const resolved = resolveMatchOptions(isObject ? { ...RERANK_DEFAULTS, ...options } : options ?? RERANK_DEFAULTS);
  const verified = candidates.map((candidate, order) => ({
    order,
    result: { ...candidate, ...verifyCandidate(k, query, candidate.features, resolved) } as Reranked<T>,
  }));
  verified.sort(
    (a, b) => b.result.numInliers - a.result.numInliers || b.result.score - a.result.score || a.order - b.order,
  );
  return verified.map((v) => v.result);
}
