/**
 * Two FeatureSets → the match response body: putative matches and RANSAC on the processed-frame
 * locations (as the tutorial does), then every point and the transform expressed in ORIGINAL image
 * pixels. /v1/match and /v1/verify both end here, so the same features give the same answer.
 */
import { matchAndVerify, type MatchOptions } from "../match";
import { originalPoint, transformBetweenOriginals, type FeatureSet } from "../features/feature-set";
import type { ServiceContext } from "./context";

export interface MatchBody {
  numPutative: number;
  numInliers: number;
  transform: { type: "affine" | "homography"; matrix: number[][] } | null;
  matches: Array<{ p1: [number, number]; p2: [number, number]; distance: number; inlier: boolean }>;
  timingsMs: { match: number; ransac: number };
}

export async function matchFeatureSets(
  ctx: Pick<ServiceContext, "kernels" | "queue">,
  set1: FeatureSet,
  set2: FeatureSet,
  options: Partial<MatchOptions>,
): Promise<MatchBody> {
  if (set1.features.count > 0 && set2.features.count > 0 && set1.features.dim !== set2.features.dim)
    throw Object.assign(new Error(`descriptor lengths differ: ${set1.features.dim} vs ${set2.features.dim}`), { code: "invalid_features" });
  const result = await ctx.queue.run(() => matchAndVerify(ctx.kernels, set1.features, set2.features, options));
  return {
    numPutative: result.putative.length,
    numInliers: result.numInliers,
    transform: result.transform ? { type: result.model, matrix: transformBetweenOriginals(result.transform, set1, set2) } : null,
    matches: result.putative.map(([i1, i2], m) => ({
      p1: originalPoint(set1, i1),
      p2: originalPoint(set2, i2),
      distance: Number(result.distances[m]),
      inlier: result.inliers[m],
    })),
    timingsMs: result.timingsMs,
  };
}
