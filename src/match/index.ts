/**
 * The tutorial's matching stage: nearest-neighbour putatives (scipy cKDTree semantics) verified by
 * RANSAC (scikit-image semantics), on the AssemblyScript kernels. See docs/matching.md.
 */
import type { KernelExports } from "../runtime/kernels";
import { nearestNeighbours, type FeatureSet } from "./nn";
import { ransac } from "./ransac";
import { resolveMatchOptions, type GeometricModel, type MatchOptionsInput } from "./options";

export {
  DEFAULT_MATCH_OPTIONS, InvalidFeaturesError, InvalidMatchOptionsError, resolveMatchOptions, MAX_TRIALS_LIMIT,
  type GeometricModel, type Matcher, type MatchOptions, type MatchOptionsInput, type RansacOptions, type TrialMode,
} from "./options";
export { nearestNeighbours, MAX_DIM, type FeatureSet, type NearestNeighbourOptions, type PutativeMatches } from "./nn";
export { ransac, type RansacResult } from "./ransac";
export { drawSamples, SeededRandom } from "./prng";
export { applyTransform, dynamicTrialCount, squaredResidualBound } from "./geometry";
export { referenceNearestNeighbours, referenceRansac } from "./reference";

export interface MatchResult {
  /** [i1, i2] putative matches in ascending i2. */
  putative: Array<[number, number]>;
  /** Descriptor distance of each putative match. */
  distances: Float32Array;
  /** RANSAC inlier mask aligned with `putative`. */
  inliers: boolean[];
  numInliers: number;
  /** 3×3 row-major, mapping image-1 [x, y, 1] to image-2 [x, y] (homogeneous), or null. */
  transform: number[][] | null;
  model: GeometricModel;
  /** RANSAC trials run (failed estimates included). */
  trials: number;
  /** Wall time of the kernels (NN with its copies in/out; RANSAC with sampling and refit). */
  timingsMs: { match: number; ransac: number };
}

/** [x, y] of each putative's image-1 and image-2 point (features keep (y, x)). */
export function putativePoints(f1: FeatureSet, f2: FeatureSet, putative: Array<[number, number]>): { src: Float64Array; dst: Float64Array } {
  const src = new Float64Array(putative.length * 2);
  const dst = new Float64Array(putative.length * 2);
  putative.forEach(([i1, i2], m) => {
    src[2 * m] = f1.locations[2 * i1 + 1];
    src[2 * m + 1] = f1.locations[2 * i1];
    dst[2 * m] = f2.locations[2 * i2 + 1];
    dst[2 * m + 1] = f2.locations[2 * i2];
  });
  return { src, dst };
}

/**
 * Putative matches of f2's descriptors among f1's, then RANSAC over their locations. Options are
 * validated (InvalidMatchOptionsError, code "invalid_options"); malformed features throw
 * InvalidFeaturesError (code "invalid_request"). Too few matches is not an error: 0 inliers, null
 * transform.
 */
export function matchAndVerify(k: KernelExports, f1: FeatureSet, f2: FeatureSet, options?: MatchOptionsInput): MatchResult {
  const o = resolveMatchOptions(options);
  const t0 = performance.now();
  const { putative, distances } = nearestNeighbours(k, f1, f2, o);
  const t1 = performance.now();
  const { src, dst } = putativePoints(f1, f2, putative);
  const verified = ransac(k, src, dst, o.ransac);
  const t2 = performance.now();
  return {
    putative,
    distances,
    inliers: verified.inliers,
    numInliers: verified.numInliers,
    transform: verified.transform,
    model: verified.model,
    trials: verified.trials,
    timingsMs: { match: t1 - t0, ransac: t2 - t1 },
  };
}
