/**
 * Geometry shared by the kernel wrapper and the plain-TS reference: the exact squared inlier
 * boundary, scikit-image's dynamic trial count, and the final refit on the best trial's inliers.
 */
import type { GeometricModel } from "./options";

/** Points per minimal sample. */
export function sampleSize(model: GeometricModel): number {
  return model === "homography" ? 4 : 3;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** The neighbouring double of a non-negative finite x (little-endian word order). */
function adjacentDouble(x: number, up: boolean): number {
  bits[0] = x;
  let lo = words[0];
  let hi = words[1];
  if (up) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi++;
  } else {
    if (lo === 0) hi--;
    lo = (lo - 1) >>> 0;
  }
  words[0] = lo;
  words[1] = hi;
  return bits[0];
}

/**
 * The smallest double X with √X ≥ residual. Since √ is correctly rounded and monotonic,
 * `r² < X` ⇔ `√(r²) < residual`: skimage's strict test on the rounded residual, without a sqrt per
 * point. (Plain `r² < residual²` would differ for r² just below 400, whose √ rounds to 20.)
 */
export function squaredResidualBound(residual: number): number {
  let x = residual * residual;
  while (x > 0 && Math.sqrt(x) >= residual) x = adjacentDouble(x, false);
  while (Math.sqrt(x) < residual) x = adjacentDouble(x, true);
  return x;
}

const EPSILON = 2 ** -52;

function clip(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/**
 * scikit-image's _dynamic_max_trials (spec §7.2): ceil(log(clip(1 − p)) / log(clip(1 − ratio^k))),
 * both clipped to [2⁻⁵², 1 − 2⁻⁵²]; 0 when p = 0, +∞ when there is no inlier. With p = 1:
 * ratio 1 → 1, 0.8 → 51, 0.6 → 149, 0.5 → 270, 0.3 → 1317.
 */
export function dynamicTrialCount(inliers: number, total: number, size: number, probability: number): number {
  if (probability === 0) return 0;
  if (inliers === 0) return Infinity;
  const nom = clip(1 - probability, EPSILON, 1 - EPSILON);
  const denom = clip(1 - Math.pow(inliers / total, size), EPSILON, 1 - EPSILON);
  return Math.ceil(Math.log(nom) / Math.log(denom));
}

/** dynamicTrialCount for every inlier count 0..total (what the kernel looks up). */
export function dynamicTrialTable(total: number, size: number, probability: number): Float64Array {
  const table = new Float64Array(total + 1);
  for (let c = 0; c <= total; c++) table[c] = dynamicTrialCount(c, total, size, probability);
  return table;
}

/** Applies a row-major 3×3 transform to [x, y] (homogeneous division; exact 0 → 2⁻⁵² as skimage). */
export function applyTransform(h: ArrayLike<number>, x: number, y: number): [number, number] {
  let w = h[6] * x + h[7] * y + h[8];
  if (w === 0) w = EPSILON;
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

interface Normalisation {
  scale: number;
  cx: number;
  cy: number;
}

/** skimage's _center_and_normalize_points: centroid to 0, rms distance to √2; null if all coincide. */
function normalisation(xy: Float64Array): Normalisation | null {
  const n = xy.length / 2;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += xy[2 * i];
    cy += xy[2 * i + 1];
  }
  cx /= n;
  cy /= n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (xy[2 * i] - cx) ** 2 + (xy[2 * i + 1] - cy) ** 2;
  const rms = Math.sqrt(sq / n);
  if (!(rms > 0) || !Number.isFinite(rms)) return null;
  return { scale: Math.SQRT2 / rms, cx, cy };
}

/** Eigenvector of the smallest eigenvalue of a symmetric n×n matrix (cyclic Jacobi). */
function smallestEigenvector(a: Float64Array, n: number): Float64Array {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let p = 0; p < n; p++) {
      for (let q = 0; q < n; q++) {
        total += a[p * n + q] ** 2;
        if (p !== q) off += a[p * n + q] ** 2;
      }
    }
    if (off <= 1e-32 * total) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let smallest = 0;
  for (let i = 1; i < n; i++) if (a[i * n + i] < a[smallest * n + smallest]) smallest = i;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = v[k * n + smallest];
  return out;
}

/**
 * The final model on all inliers of the best trial, fitted like scikit-image's estimate(): both
 * point sets normalised (centroid, rms √2), then the total-least-squares DLT solution (the unit
 * vector h minimising |A·h|, i.e. the eigenvector of AᵀA with the smallest eigenvalue; affine: 6
 * parameters + the homogeneous term, homography: 9), de-normalised and scaled so H[2][2] = 1.
 * Points are [x, y] interleaved. Returns null when the fit is degenerate.
 */
export function refitTransform(model: GeometricModel, src: Float64Array, dst: Float64Array): number[] | null {
  const ns = normalisation(src);
  const nd = normalisation(dst);
  if (!ns || !nd) return null;
  const n = src.length / 2;
  const unknowns = model === "homography" ? 9 : 7;
  const ata = new Float64Array(unknowns * unknowns);
  const row = new Float64Array(unknowns);
  const addRow = (): void => {
    for (let p = 0; p < unknowns; p++) {
      if (row[p] === 0) continue;
      for (let q = 0; q < unknowns; q++) ata[p * unknowns + q] += row[p] * row[q];
    }
  };
  for (let i = 0; i < n; i++) {
    const x = (src[2 * i] - ns.cx) * ns.scale;
    const y = (src[2 * i + 1] - ns.cy) * ns.scale;
    const X = (dst[2 * i] - nd.cx) * nd.scale;
    const Y = (dst[2 * i + 1] - nd.cy) * nd.scale;
    row.fill(0);
    row.set([x, y, 1], 0);
    if (model === "homography") row.set([-x * X, -y * X, -X], 6);
    else row[6] = -X;
    addRow();
    row.fill(0);
    row.set([x, y, 1], 3);
    if (model === "homography") row.set([-x * Y, -y * Y, -Y], 6);
    else row[6] = -Y;
    addRow();
  }
  const h = smallestEigenvector(ata, unknowns);
  const hn =
    model === "homography" ? Array.from(h) : [h[0], h[1], h[2], h[3], h[4], h[5], 0, 0, h[6]];
  if (!(Math.abs(hn[8]) > 1e-12)) return null;
  // H = Tdst⁻¹ · Hn · Tsrc.
  const tsrc = [ns.scale, 0, -ns.scale * ns.cx, 0, ns.scale, -ns.scale * ns.cy, 0, 0, 1];
  const tdstInv = [1 / nd.scale, 0, nd.cx, 0, 1 / nd.scale, nd.cy, 0, 0, 1];
  const out = multiply3(tdstInv, multiply3(hn, tsrc));
  const w = out[8];
  if (!(Math.abs(w) > 1e-300)) return null;
  const result = out.map((v) => v / w);
  return result.every(Number.isFinite) ? result : null;
}

function multiply3(a: number[], b: number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += a[r * 3 + k] * b[k * 3 + c];
      out[r * 3 + c] = s;
    }
  }
  return out;
}

/** Row-major 9 numbers → 3×3 rows. */
export function toRows(h: ArrayLike<number>): number[][] {
  return [
    [h[0], h[1], h[2]],
    [h[3], h[4], h[5]],
    [h[6], h[7], h[8]],
  ];
}
