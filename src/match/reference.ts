/**
 * Plain-TypeScript reference of the matching kernels, written for clarity, not speed: brute-force
 * float64 nearest neighbours (scipy's summation order) and RANSAC over the same pre-drawn samples as
 * the kernel, with the same estimator formulas, operation for operation. Tests demand identical
 * results from the kernels; the kernel benchmark times it as the "plain JS" baseline.
 */
import { finishRansac, planRansac, type RansacResult } from "./ransac";
import type { FeatureSet, NearestNeighbourOptions, PutativeMatches } from "./nn";
import { validateRansacOptions, type RansacOptions } from "./options";

/** f64 squared distance of rows i (of a) and j (of b) in scipy cKDTree's order. */
export function referenceSquaredDistance(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  const u = i * dim;
  const v = j * dim;
  let acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
  let k = 0;
  for (; k + 4 <= dim; k += 4) {
    const d0 = a[u + k] - b[v + k];
    const d1 = a[u + k + 1] - b[v + k + 1];
    const d2 = a[u + k + 2] - b[v + k + 2];
    const d3 = a[u + k + 3] - b[v + k + 3];
    acc0 += d0 * d0;
    acc1 += d1 * d1;
    acc2 += d2 * d2;
    acc3 += d3 * d3;
  }
  let s = acc0 + acc1 + acc2 + acc3;
  for (; k < dim; k++) {
    const d = a[u + k] - b[v + k];
    s += d * d;
  }
  return s;
}

/** Nearest and second-nearest row of `rows` to row q of `queries` (lowest index on exact ties). */
function nearest(rows: FeatureSet, queries: FeatureSet, q: number): { index: number; best: number; second: number } {
  let index = -1;
  let best = Infinity;
  let second = Infinity;
  for (let j = 0; j < rows.count; j++) {
    const d = referenceSquaredDistance(rows.descriptors, j, queries.descriptors, q, rows.dim);
    if (d < best) {
      second = best;
      best = d;
      index = j;
    } else if (d < second) {
      second = d;
    }
  }
  return { index, best, second };
}

export function referenceNearestNeighbours(f1: FeatureSet, f2: FeatureSet, options: NearestNeighbourOptions): PutativeMatches {
  const putative: Array<[number, number]> = [];
  const distances: number[] = [];
  if (f1.count === 0 || f2.count === 0) return { putative, distances: new Float32Array(0) };
  const mutual = options.matcher === "mnn" || options.matcher === "mnn-ratio";
  const ratio = options.matcher === "ratio" || options.matcher === "mnn-ratio";
  const boundSq = options.distance * options.distance;
  for (let i2 = 0; i2 < f2.count; i2++) {
    const n = nearest(f1, f2, i2);
    if (!(n.best < boundSq)) continue;
    if (ratio && !(Math.sqrt(n.best) < options.ratio * Math.sqrt(n.second))) continue;
    if (mutual && nearest(f2, f1, n.index).index !== i2) continue;
    putative.push([n.index, i2]);
    distances.push(Math.sqrt(n.best));
  }
  return { putative, distances: Float32Array.from(distances) };
}

/** Same formulas as assembly/estimate.ts estimateAffine. */
function estimateAffine(src: Float64Array, dst: Float64Array, s: ArrayLike<number>): number[] | null {
  const [i0, i1, i2] = [s[0], s[1], s[2]];
  const x0 = src[2 * i0], y0 = src[2 * i0 + 1];
  const u1x = src[2 * i1] - x0, u1y = src[2 * i1 + 1] - y0;
  const u2x = src[2 * i2] - x0, u2y = src[2 * i2 + 1] - y0;
  const det = u1x * u2y - u1y * u2x;
  const size = u1x * u1x + u1y * u1y + u2x * u2x + u2y * u2y;
  if (!(Math.abs(det) > 1e-10 * size)) return null;
  const X0 = dst[2 * i0], Y0 = dst[2 * i0 + 1];
  const v1x = dst[2 * i1] - X0, v1y = dst[2 * i1 + 1] - Y0;
  const v2x = dst[2 * i2] - X0, v2y = dst[2 * i2 + 1] - Y0;
  const a = (v1x * u2y - v2x * u1y) / det;
  const b = (v2x * u1x - v1x * u2x) / det;
  const d = (v1y * u2y - v2y * u1y) / det;
  const e = (v2y * u1x - v1y * u2x) / det;
  const c = X0 - (a * x0 + b * y0);
  const f = Y0 - (d * x0 + e * y0);
  const h = [a, b, c, d, e, f, 0, 0, 1];
  return h.every(Number.isFinite) ? h : null;
}

/** skimage's normalisation of 4 sample points (same as assembly/estimate.ts normalise). */
function normaliseSample(xy: Float64Array, s: ArrayLike<number>): { scale: number; cx: number; cy: number; pts: number[] } | null {
  let mx = 0, my = 0;
  for (let r = 0; r < 4; r++) {
    mx += xy[2 * s[r]];
    my += xy[2 * s[r] + 1];
  }
  mx /= 4;
  my /= 4;
  let sq = 0;
  for (let r = 0; r < 4; r++) {
    const ux = xy[2 * s[r]] - mx, uy = xy[2 * s[r] + 1] - my;
    sq += ux * ux + uy * uy;
  }
  const rms = Math.sqrt(sq / 4);
  if (!(rms > 0) || !Number.isFinite(rms)) return null;
  const scale = Math.SQRT2 / rms;
  const pts: number[] = [];
  for (let r = 0; r < 4; r++) pts.push((xy[2 * s[r]] - mx) * scale, (xy[2 * s[r] + 1] - my) * scale);
  return { scale, cx: mx, cy: my, pts };
}

/** Same formulas as assembly/estimate.ts estimateHomography. */
function estimateHomography(src: Float64Array, dst: Float64Array, s: ArrayLike<number>): number[] | null {
  const ns = normaliseSample(src, s);
  const nd = normaliseSample(dst, s);
  if (!ns || !nd) return null;
  const a: number[][] = [];
  for (let r = 0; r < 4; r++) {
    const x = ns.pts[2 * r], y = ns.pts[2 * r + 1], X = nd.pts[2 * r], Y = nd.pts[2 * r + 1];
    a.push([x, y, 1, 0, 0, 0, -x * X, -y * X, X]);
    a.push([0, 0, 0, x, y, 1, -x * Y, -y * Y, Y]);
  }
  for (let col = 0; col < 8; col++) {
    let pivotRow = col;
    let pivotAbs = Math.abs(a[col][col]);
    for (let r = col + 1; r < 8; r++) {
      if (Math.abs(a[r][col]) > pivotAbs) {
        pivotAbs = Math.abs(a[r][col]);
        pivotRow = r;
      }
    }
    if (!(pivotAbs > 1e-10)) return null;
    if (pivotRow !== col) [a[col], a[pivotRow]] = [a[pivotRow], a[col]];
    const pivot = a[col][col];
    for (let r = col + 1; r < 8; r++) {
      const factor = a[r][col] / pivot;
      if (factor === 0) continue;
      for (let c = col; c < 9; c++) a[r][c] = a[r][c] - factor * a[col][c];
    }
  }
  for (let r = 7; r >= 0; r--) {
    let v = a[r][8];
    for (let c = r + 1; c < 8; c++) v -= a[r][c] * a[c][8];
    a[r][8] = v / a[r][r];
  }
  const [n0, n1, n2, n3, n4, n5, n6, n7] = a.map((row) => row[8]);
  const ss = ns.scale, scx = ns.cx, scy = ns.cy, ds = nd.scale, dcx = nd.cx, dcy = nd.cy;
  const m0 = n0 * ss, m1 = n1 * ss, m2 = n2 - n0 * ss * scx - n1 * ss * scy;
  const m3 = n3 * ss, m4 = n4 * ss, m5 = n5 - n3 * ss * scx - n4 * ss * scy;
  const m6 = n6 * ss, m7 = n7 * ss, m8 = 1 - n6 * ss * scx - n7 * ss * scy;
  const h0 = m0 / ds + dcx * m6, h1 = m1 / ds + dcx * m7, h2 = m2 / ds + dcx * m8;
  const h3 = m3 / ds + dcy * m6, h4 = m4 / ds + dcy * m7, h5 = m5 / ds + dcy * m8;
  if (!(Math.abs(m8) > 1e-300)) return null;
  const h = [h0 / m8, h1 / m8, h2 / m8, h3 / m8, h4 / m8, h5 / m8, m6 / m8, m7 / m8, 1];
  return h.every(Number.isFinite) ? h : null;
}

/** Squared residual of pair i under h (same operation order as the kernel). */
function squaredResidual(h: number[], src: Float64Array, dst: Float64Array, i: number, projective: boolean): number {
  const x = src[2 * i], y = src[2 * i + 1];
  let px = h[0] * x + h[1] * y + h[2];
  let py = h[3] * x + h[4] * y + h[5];
  if (projective) {
    let w = h[6] * x + h[7] * y + h[8];
    if (w === 0) w = 2 ** -52;
    px = px / w;
    py = py / w;
  }
  const ex = px - dst[2 * i];
  const ey = py - dst[2 * i + 1];
  return ex * ex + ey * ey;
}

/** RANSAC exactly as the kernel, without its shortcuts (abandoning hopeless trials early). */
export function referenceRansac(src: Float64Array, dst: Float64Array, options: RansacOptions): RansacResult {
  validateRansacOptions(options);
  const m = src.length / 2;
  const plan = planRansac(m, options);
  const projective = options.model === "homography";
  const mask = new Uint8Array(m);
  let best: number[] | null = null;
  let bestCount = 0;
  let bestSsr = Infinity;
  let bestTrial = -1;
  let trials = 0;
  if (m >= plan.size) {
    let limit = options.maxTrials;
    while (trials < limit) {
      const sample = plan.samples.subarray(trials * plan.size, (trials + 1) * plan.size);
      trials++;
      const h = projective ? estimateHomography(src, dst, sample) : estimateAffine(src, dst, sample);
      if (!h) continue;
      // Sum in the kernel's order: even and odd pair indices in two lanes, then the odd last pair.
      const m2 = m - (m % 2);
      let count = 0;
      const lanes = [0, 0];
      for (let i = 0; i < m2; i++) {
        const r2 = squaredResidual(h, src, dst, i, projective);
        if (r2 < plan.thresholdSq) count++;
        lanes[i % 2] += r2;
      }
      let ssr = lanes[0] + lanes[1];
      if (m2 < m) {
        const r2 = squaredResidual(h, src, dst, m2, projective);
        if (r2 < plan.thresholdSq) count++;
        ssr += r2;
      }
      if (count > bestCount || (count === bestCount && ssr < bestSsr)) {
        best = h;
        bestCount = count;
        bestSsr = ssr;
        bestTrial = trials - 1;
        if (plan.dynamicTrials) limit = Math.min(limit, plan.dynamicTrials[count]);
      }
    }
    if (best) for (let i = 0; i < m; i++) mask[i] = squaredResidual(best, src, dst, i, projective) < plan.thresholdSq ? 1 : 0;
  }
  return finishRansac(options, src, dst, mask, best ?? new Array<number>(9).fill(0), trials, bestTrial, bestSsr);
}
