/** TS wrapper over the RANSAC kernel (assembly/ransac.ts) plus the final refit. */
import { arenaAlloc, type KernelExports } from "../runtime/kernels";
import {
  dynamicTrialTable, refitTransform, sampleSize, squaredResidualBound, toRows,
} from "./geometry";
import { validateRansacOptions, type GeometricModel, type RansacOptions } from "./options";
import { drawSamples } from "./prng";

export interface RansacResult {
  /** Inlier mask of the best trial, aligned with the input pairs. */
  inliers: boolean[];
  numInliers: number;
  /** 3×3 mapping image-1 [x, y, 1] to image 2 (refit on the inliers), or null without inliers. */
  transform: number[][] | null;
  model: GeometricModel;
  /** Trials run, failed estimates included. */
  trials: number;
  /** Index of the best trial (−1 if none), and its sum of squared residuals over all pairs. */
  bestTrial: number;
  bestSsr: number;
}

const MODEL_KIND: Record<GeometricModel, number> = { affine: 0, homography: 1 };

/** Everything both RANSAC implementations (kernel and reference) receive. */
export interface RansacPlan {
  m: number;
  size: number;
  samples: Int32Array;
  thresholdSq: number;
  /** Adaptive trial limit per inlier count, or null for "full". */
  dynamicTrials: Float64Array | null;
}

export function planRansac(m: number, options: RansacOptions): RansacPlan {
  const size = sampleSize(options.model);
  return {
    m,
    size,
    samples: drawSamples(options.seed, m, size, options.maxTrials),
    thresholdSq: squaredResidualBound(options.residual),
    dynamicTrials:
      options.trials === "adaptive" ? dynamicTrialTable(m, size, options.stopProbability ?? 1) : null,
  };
}

/** Final model from the best mask: the skimage-style refit, or the best trial's own model if that fails. */
export function finishRansac(
  options: RansacOptions, src: Float64Array, dst: Float64Array, mask: Uint8Array, bestModel: ArrayLike<number>,
  trials: number, bestTrial: number, bestSsr: number,
): RansacResult {
  const inliers = Array.from(mask, (v) => v === 1);
  const numInliers = inliers.reduce((n, v) => n + (v ? 1 : 0), 0);
  let transform: number[][] | null = null;
  if (numInliers > 0) {
    const s = new Float64Array(numInliers * 2);
    const d = new Float64Array(numInliers * 2);
    let j = 0;
    for (let i = 0; i < inliers.length; i++) {
      if (!inliers[i]) continue;
      s[2 * j] = src[2 * i];
      s[2 * j + 1] = src[2 * i + 1];
      d[2 * j] = dst[2 * i];
      d[2 * j + 1] = dst[2 * i + 1];
      j++;
    }
    transform = toRows(refitTransform(options.model, s, d) ?? bestModel);
  }
  return { inliers, numInliers, transform, model: options.model, trials, bestTrial, bestSsr };
}

/**
 * RANSAC over pairs src[i] → dst[i] ([x, y] interleaved) with scikit-image's rules (spec §7.2).
 * Fewer pairs than the sample size → no inliers, no transform, 0 trials (not an error).
 */
export function ransac(k: KernelExports, src: Float64Array, dst: Float64Array, options: RansacOptions): RansacResult {
  validateRansacOptions(options);
  if (src.length !== dst.length || src.length % 2 !== 0) throw new RangeError("src and dst must be [x, y] pairs of equal count");
  const m = src.length / 2;
  const plan = planRansac(m, options);
  k.arenaReset();
  try {
    const pPoints = arenaAlloc(k, Math.max(m, 1) * 32);
    const pSamples = arenaAlloc(k, Math.max(plan.samples.byteLength, 4));
    const pDynamic = plan.dynamicTrials ? arenaAlloc(k, plan.dynamicTrials.byteLength) : 0;
    const pMask = arenaAlloc(k, Math.max(m, 1));
    const pModel = arenaAlloc(k, 72);
    const pStats = arenaAlloc(k, 32);
    const points = new Float64Array(k.memory.buffer, pPoints, 4 * m);
    for (let i = 0; i < m; i++) {
      points[i] = src[2 * i];
      points[m + i] = src[2 * i + 1];
      points[2 * m + i] = dst[2 * i];
      points[3 * m + i] = dst[2 * i + 1];
    }
    new Int32Array(k.memory.buffer, pSamples, plan.samples.length).set(plan.samples);
    if (plan.dynamicTrials) new Float64Array(k.memory.buffer, pDynamic, plan.dynamicTrials.length).set(plan.dynamicTrials);
    const trials = k.ransac(
      MODEL_KIND[options.model], pPoints, m, pSamples, options.maxTrials, pDynamic, plan.thresholdSq, pMask, pModel, pStats,
    );
    const mask = new Uint8Array(k.memory.buffer, pMask, m).slice();
    const model = new Float64Array(k.memory.buffer, pModel, 9).slice();
    const stats = new Float64Array(k.memory.buffer, pStats, 4);
    return finishRansac(options, src, dst, mask, model, trials, stats[3], stats[2]);
  } finally {
    k.arenaReset();
  }
}
