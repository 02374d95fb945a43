/**
 * Geometric re-ranking of a shortlist, as DELF's image_reranking.py: for each candidate, the query's
 * descriptors are matched to the candidate's (nearest neighbour below the distance bound), RANSAC
 * fits the query → candidate transform, and candidates are sorted by (inliers desc, shortlist score
 * desc, input order). No inlier threshold. NN and RANSAC run in the AssemblyScript kernels, all
 * candidates in one synchronous pass over one resolved set of options (run it inside the service's
 * serial queue: the kernels have one arena).
 */
import type { KernelExports } from "../../runtime/kernels";
import { invertAffine, multiply3x3, toHomogeneous, IDENTITY_AFFINE } from "../../features/affine";
import type { FeatureSet } from "../../features/feature-set";
import { nearestNeighbours, ransac, resolveMatchOptions, type MatchOptionsInput } from "../../match";

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

/** Processed-frame query → candidate transform, re-expressed between the original images. */
function toOriginalFrames(matrix: number[][], query: FeatureSet, candidate: FeatureSet): number[][] {
  const queryInverse = toHomogeneous(invertAffine(query.processed?.toOriginal ?? IDENTITY_AFFINE));
  const toCandidate = toHomogeneous(candidate.processed?.toOriginal ?? IDENTITY_AFFINE);
  const m = multiply3x3(toCandidate, multiply3x3(matrix, queryInverse));
  const w = m[2][2];
  return m.map((row) => row.map((v) => v / w));
}

/** Inliers and transform of one candidate (processed-frame locations, as /v1/match does). */
function verifyCandidate(
  k: KernelExports, query: FeatureSet, candidate: FeatureSet, options: ReturnType<typeof resolveMatchOptions>,
): { numInliers: number; transform: RerankTransform | null } {
  const q = query.features;
  const c = candidate.features;
  if (q.count === 0 || c.count === 0) return { numInliers: 0, transform: null };
  // Image 1 = candidate (searched), image 2 = query (each query descriptor looks for its neighbour).
  const { putative } = nearestNeighbours(k, c, q, options);
  const src = new Float64Array(putative.length * 2);
  const dst = new Float64Array(putative.length * 2);
  putative.forEach(([ic, iq], m) => {
    src[2 * m] = q.locations[2 * iq + 1];
    src[2 * m + 1] = q.locations[2 * iq];
    dst[2 * m] = c.locations[2 * ic + 1];
    dst[2 * m + 1] = c.locations[2 * ic];
  });
  const verified = ransac(k, src, dst, options.ransac);
  return {
    numInliers: verified.numInliers,
    transform: verified.transform
      ? { type: verified.model, matrix: toOriginalFrames(verified.transform, query, candidate) }
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
