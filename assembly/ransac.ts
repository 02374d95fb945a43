// RANSAC with scikit-image's rules (skimage.measure.ransac): a trial estimates a model from its
// pre-drawn sample (a failed estimate still counts as a trial), residual = |H(src) − dst|, inlier iff
// residual < threshold (strict; the host passes the squared boundary so no sqrt is needed), the best
// trial has the most inliers with ties broken by the lower sum of squared residuals over ALL pairs.
// Adaptive mode lowers the trial limit to dynamicTrials[bestCount] at each new best. skimage's
// stop_residuals_sum = 0 test is not needed: a zero residual sum means every pair is an inlier, where
// the adaptive limit is already ≤ 1; and in full mode skimage 0.19's SVD fits never reach exactly 0
// (it runs all trials even on perfect data), so full mode always runs maxTrials here too.
// Points are f64 structure-of-arrays: srcX[m], srcY[m], dstX[m], dstY[m].
import { estimateAffine, estimateHomography } from "./estimate";

/** `kind`: 0 = affine, 1 = homography (src/match/ransac.ts MODEL_KIND). */
const MODEL_HOMOGRAPHY: i32 = 1;

/** Pairs scored between two checks of "can this trial still become the best?". */
const BAIL_CHECK_POINTS: i32 = 32;

const trialModel = memory.data(9 * 8, 16);

// Results of the last `scoreTrial`.
let trialCount: i32 = 0;
let trialSsr: f64 = 0;

/**
 * Counts inliers and sums squared residuals of model `h` over all m pairs. The sum is kept in two
 * f64 lanes (even / odd pair index), then lane 0 + lane 1, then the odd last pair: the plain-TS
 * reference adds in the same order. When `bestCount` ≥ 0 the trial is abandoned (returns false) as
 * soon as it can no longer reach `bestCount` inliers, which cannot change the outcome.
 */
function scoreTrial(
  kind: i32, h: usize, points: usize, m: i32, thresholdSq: f64, bestCount: i32, mask: usize,
): bool {
  const sx = points, sy = points + (<usize>m << 3), dx = points + (<usize>m << 4), dy = points + (<usize>m * 24);
  const h0 = load<f64>(h), h1 = load<f64>(h, 8), h2 = load<f64>(h, 16);
  const h3 = load<f64>(h, 24), h4 = load<f64>(h, 32), h5 = load<f64>(h, 40);
  const h6 = load<f64>(h, 48), h7 = load<f64>(h, 56), h8 = load<f64>(h, 64);
  const a = f64x2.splat(h0), b = f64x2.splat(h1), c = f64x2.splat(h2);
  const d = f64x2.splat(h3), e = f64x2.splat(h4), f = f64x2.splat(h5);
  const g = f64x2.splat(h6), k = f64x2.splat(h7), l = f64x2.splat(h8);
  const thr = f64x2.splat(thresholdSq);
  const tiny = f64x2.splat(2.220446049250313e-16);
  const zero = f64x2.splat(0);
  const projective = kind == MODEL_HOMOGRAPHY;
  let count = i64x2.splat(0);
  let ssr = f64x2.splat(0);
  const m2 = m & ~1;
  let i = 0;
  while (i < m2) {
    const end = min(i + BAIL_CHECK_POINTS, m2);
    for (; i < end; i += 2) {
      const o = <usize>i << 3;
      const x = v128.load(sx + o), y = v128.load(sy + o);
      let px = f64x2.add(f64x2.add(f64x2.mul(a, x), f64x2.mul(b, y)), c);
      let py = f64x2.add(f64x2.add(f64x2.mul(d, x), f64x2.mul(e, y)), f);
      if (projective) {
        let w = f64x2.add(f64x2.add(f64x2.mul(g, x), f64x2.mul(k, y)), l);
        w = v128.bitselect(tiny, w, f64x2.eq(w, zero)); // skimage: exact zeros → eps
        px = f64x2.div(px, w);
        py = f64x2.div(py, w);
      }
      const ex = f64x2.sub(px, v128.load(dx + o));
      const ey = f64x2.sub(py, v128.load(dy + o));
      const r2 = f64x2.add(f64x2.mul(ex, ex), f64x2.mul(ey, ey));
      const inlier = f64x2.lt(r2, thr);
      if (mask != 0) {
        store<u8>(mask + <usize>i, <u8>(i64x2.extract_lane(inlier, 0) & 1));
        store<u8>(mask + <usize>i + 1, <u8>(i64x2.extract_lane(inlier, 1) & 1));
      }
      count = i64x2.sub(count, inlier);
      ssr = f64x2.add(ssr, r2);
    }
    if (bestCount >= 0) {
      const sofar = <i32>(i64x2.extract_lane(count, 0) + i64x2.extract_lane(count, 1));
      if (sofar + (m - i) < bestCount) return false;
    }
  }
  let n = <i32>(i64x2.extract_lane(count, 0) + i64x2.extract_lane(count, 1));
  let sum = f64x2.extract_lane(ssr, 0) + f64x2.extract_lane(ssr, 1);
  if (m2 < m) {
    const o = <usize>m2 << 3;
    const x = load<f64>(sx + o), y = load<f64>(sy + o);
    let px = h0 * x + h1 * y + h2;
    let py = h3 * x + h4 * y + h5;
    if (projective) {
      let w = h6 * x + h7 * y + h8;
      if (w == 0) w = 2.220446049250313e-16;
      px = px / w;
      py = py / w;
    }
    const ex = px - load<f64>(dx + o);
    const ey = py - load<f64>(dy + o);
    const r2 = ex * ex + ey * ey;
    const inlier = r2 < thresholdSq;
    if (mask != 0) store<u8>(mask + <usize>m2, inlier ? 1 : 0);
    if (inlier) n++;
    sum += r2;
  }
  trialCount = n;
  trialSsr = sum;
  return true;
}

/**
 * Runs RANSAC over m pairs with pre-drawn samples (maxTrials × 3 or 4 indices, i32).
 * dynamicTrials: 0 for "full", else f64[m + 1], the adaptive trial limit for each inlier count.
 * Writes the best trial's inlier mask (u8[m]) and model (f64[9], row-major 3×3, [x, y, 1] →
 * image 2) and stats f64[4] = [trials, bestCount, bestSsr, bestTrial (−1 if none)].
 * Returns the number of trials run.
 */
export function ransac(
  kind: i32, points: usize, m: i32, samples: usize, maxTrials: i32, dynamicTrials: usize,
  thresholdSq: f64, outMask: usize, outModel: usize, outStats: usize,
): i32 {
  const sampleSize = kind == MODEL_HOMOGRAPHY ? 4 : 3;
  memory.fill(outMask, 0, <usize>max(m, 0));
  for (let i = 0; i < 9; i++) store<f64>(outModel + (<usize>i << 3), 0);
  let trials = 0;
  let bestCount = 0;
  let bestSsr: f64 = Infinity;
  let bestTrial = -1;
  if (m >= sampleSize) {
    let limit = <f64>maxTrials;
    while (<f64>trials < limit) {
      const sample = samples + <usize>(trials * sampleSize) * 4;
      trials++;
      const ok = kind == MODEL_HOMOGRAPHY
        ? estimateHomography(points, m, sample, trialModel)
        : estimateAffine(points, m, sample, trialModel);
      if (!ok) continue;
      if (!scoreTrial(kind, trialModel, points, m, thresholdSq, bestTrial >= 0 ? bestCount : -1, 0)) continue;
      if (trialCount > bestCount || (trialCount == bestCount && trialSsr < bestSsr)) {
        bestCount = trialCount;
        bestSsr = trialSsr;
        bestTrial = trials - 1;
        memory.copy(outModel, trialModel, 72);
        if (dynamicTrials != 0) limit = min(limit, load<f64>(dynamicTrials + (<usize>bestCount << 3)));
      }
    }
    if (bestTrial >= 0) scoreTrial(kind, outModel, points, m, thresholdSq, -1, outMask);
  }
  store<f64>(outStats, <f64>trials);
  store<f64>(outStats, <f64>bestCount, 8);
  store<f64>(outStats, bestSsr, 16);
  store<f64>(outStats, <f64>bestTrial, 24);
  return trials;
}
