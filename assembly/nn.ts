// Nearest neighbours of image-2 descriptors among image-1 descriptors (the tutorial's cKDTree query,
// brute force). Scores are computed in f32 SIMD as s_j = |a_j|²/2 − a_j·b (d² = 2 s_j + |b|²); every
// image-1 row whose score is within a proven f32 error margin of the best score is then re-measured in
// f64 with scipy's exact summation order, so the winner and the accept/reject decision (d² < bound²,
// strict) are scipy's float64 ones. Exact f64 ties go to the lowest index.
import { arenaAlloc } from "./memory";

/** Image-1 rows per packed block: 4 f32x4 lanes, so one splat of a query component feeds 16 rows. */
const BLOCK: i32 = 16;
const BLOCK_SHIFT: i32 = 4;

export const NN_MUTUAL: i32 = 1;
export const NN_RATIO: i32 = 2;

// Results of the last `resolveRow`.
let bestIndex: i32 = -1;
let bestDistSq: f64 = Infinity;
let secondDistSq: f64 = Infinity;

/**
 * Squared Euclidean distance in f64 with scipy cKDTree's summation order (distance_base.h,
 * sqeuclidean_distance_double): four lane accumulators over blocks of 4 components, summed left to
 * right, then the remaining components one by one.
 */
export function exactSquaredDistance(u: usize, v: usize, dim: i32): f64 {
  let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
  let k = 0;
  for (; k + 4 <= dim; k += 4) {
    const p = <usize>k << 2;
    const d0 = <f64>load<f32>(u + p) - <f64>load<f32>(v + p);
    const d1 = <f64>load<f32>(u + p, 4) - <f64>load<f32>(v + p, 4);
    const d2 = <f64>load<f32>(u + p, 8) - <f64>load<f32>(v + p, 8);
    const d3 = <f64>load<f32>(u + p, 12) - <f64>load<f32>(v + p, 12);
    a0 += d0 * d0;
    a1 += d1 * d1;
    a2 += d2 * d2;
    a3 += d3 * d3;
  }
  let s = a0 + a1 + a2 + a3;
  for (; k < dim; k++) {
    const p = <usize>k << 2;
    const d = <f64>load<f32>(u + p) - <f64>load<f32>(v + p);
    s += d * d;
  }
  return s;
}

/**
 * Packs `n` row-major vectors into blocks of 16, component-major (block b, component k: 16 floats),
 * zero-padded; halfNorms[j] = |a_j|²/2 in f32 (+inf for padding rows so they never win).
 * Returns max_j |a_j| (f64).
 */
function pack(src: usize, n: i32, dim: i32, packed: usize, halfNorms: usize): f64 {
  const nBlocks = (n + BLOCK - 1) >> BLOCK_SHIFT;
  const blockBytes = <usize>dim << 6;
  memory.fill(packed, 0, <usize>nBlocks * blockBytes);
  let maxNormSq: f64 = 0;
  for (let i = 0; i < nBlocks * BLOCK; i++) {
    if (i >= n) {
      store<f32>(halfNorms + (<usize>i << 2), Infinity);
      continue;
    }
    const row = src + <usize>i * (<usize>dim << 2);
    const dst = packed + <usize>(i >> BLOCK_SHIFT) * blockBytes + (<usize>(i & (BLOCK - 1)) << 2);
    let normSq: f32 = 0;
    let normSq64: f64 = 0;
    for (let k = 0; k < dim; k++) {
      const v = load<f32>(row + (<usize>k << 2));
      store<f32>(dst + (<usize>k << 6), v);
      normSq += v * v;
      normSq64 += <f64>v * <f64>v;
    }
    store<f32>(halfNorms + (<usize>i << 2), <f32>0.5 * normSq);
    if (normSq64 > maxNormSq) maxNormSq = normSq64;
  }
  return Math.sqrt(maxNormSq);
}

/** Scores of two queries against every packed row (register-blocked: 2 queries × 16 rows). */
function scoreTwoRows(
  packed: usize, halfNorms: usize, nBlocks: i32, dim: i32, q0: usize, q1: usize, out0: usize, out1: usize,
): void {
  const blockBytes = <usize>dim << 6;
  for (let blk = 0; blk < nBlocks; blk++) {
    let p = packed + <usize>blk * blockBytes;
    let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
    let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
    for (let k = 0; k < dim; k++) {
      const b0 = v128.load32_splat(q0 + (<usize>k << 2));
      const b1 = v128.load32_splat(q1 + (<usize>k << 2));
      const x0 = v128.load(p);
      const x1 = v128.load(p, 16);
      const x2 = v128.load(p, 32);
      const x3 = v128.load(p, 48);
      s00 = f32x4.add(s00, f32x4.mul(x0, b0));
      s01 = f32x4.add(s01, f32x4.mul(x1, b0));
      s02 = f32x4.add(s02, f32x4.mul(x2, b0));
      s03 = f32x4.add(s03, f32x4.mul(x3, b0));
      s10 = f32x4.add(s10, f32x4.mul(x0, b1));
      s11 = f32x4.add(s11, f32x4.mul(x1, b1));
      s12 = f32x4.add(s12, f32x4.mul(x2, b1));
      s13 = f32x4.add(s13, f32x4.mul(x3, b1));
      p += 64;
    }
    const o = <usize>blk << 6;
    const h = halfNorms + o;
    const h0 = v128.load(h), h1 = v128.load(h, 16), h2 = v128.load(h, 32), h3 = v128.load(h, 48);
    v128.store(out0 + o, f32x4.sub(h0, s00));
    v128.store(out0 + o, f32x4.sub(h1, s01), 16);
    v128.store(out0 + o, f32x4.sub(h2, s02), 32);
    v128.store(out0 + o, f32x4.sub(h3, s03), 48);
    v128.store(out1 + o, f32x4.sub(h0, s10));
    v128.store(out1 + o, f32x4.sub(h1, s11), 16);
    v128.store(out1 + o, f32x4.sub(h2, s12), 32);
    v128.store(out1 + o, f32x4.sub(h3, s13), 48);
  }
}

/** Scores of one query against every packed row. */
function scoreOneRow(packed: usize, halfNorms: usize, nBlocks: i32, dim: i32, q: usize, out: usize): void {
  const blockBytes = <usize>dim << 6;
  for (let blk = 0; blk < nBlocks; blk++) {
    let p = packed + <usize>blk * blockBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let k = 0; k < dim; k++) {
      const b = v128.load32_splat(q + (<usize>k << 2));
      s0 = f32x4.add(s0, f32x4.mul(v128.load(p), b));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(p, 16), b));
      s2 = f32x4.add(s2, f32x4.mul(v128.load(p, 32), b));
      s3 = f32x4.add(s3, f32x4.mul(v128.load(p, 48), b));
      p += 64;
    }
    const o = <usize>blk << 6;
    const h = halfNorms + o;
    v128.store(out + o, f32x4.sub(v128.load(h), s0));
    v128.store(out + o, f32x4.sub(v128.load(h, 16), s1), 16);
    v128.store(out + o, f32x4.sub(v128.load(h, 32), s2), 32);
    v128.store(out + o, f32x4.sub(v128.load(h, 48), s3), 48);
  }
}

/** Smallest f32 at least `x` (so a threshold derived in f64 never shrinks when stored as f32). */
function roundUpToF32(x: f64): f32 {
  let t = <f32>x;
  if (<f64>t >= x || isNaN(t) || t == Infinity) return t;
  if (t == 0) return reinterpret<f32>(<i32>1);
  const bits = reinterpret<i32>(t);
  return reinterpret<f32>(t > 0 ? bits + 1 : bits - 1);
}

/** The smallest score of a row buffer (or the second smallest, for the ratio test). */
function rowMinimum(buf: usize, nPad: i32, second: bool): f64 {
  let m1 = f32x4.splat(Infinity);
  let m2 = f32x4.splat(Infinity);
  for (let j = 0; j < nPad; j += 4) {
    const s = v128.load(buf + (<usize>j << 2));
    if (second) m2 = f32x4.min(m2, f32x4.max(m1, s));
    m1 = f32x4.min(m1, s);
  }
  const a0 = f32x4.extract_lane(m1, 0), a1 = f32x4.extract_lane(m1, 1);
  const a2 = f32x4.extract_lane(m1, 2), a3 = f32x4.extract_lane(m1, 3);
  const best = min(min(a0, a1), min(a2, a3));
  if (!second) return <f64>best;
  // The second smallest overall is another lane's minimum or a lane's own second minimum.
  let result: f32 = Infinity;
  let skipped = false;
  for (let lane = 0; lane < 4; lane++) {
    const v1 = lane == 0 ? a0 : lane == 1 ? a1 : lane == 2 ? a2 : a3;
    if (v1 == best && !skipped) {
      skipped = true;
    } else if (v1 < result) {
      result = v1;
    }
  }
  result = min(result, min(min(f32x4.extract_lane(m2, 0), f32x4.extract_lane(m2, 1)),
    min(f32x4.extract_lane(m2, 2), f32x4.extract_lane(m2, 3))));
  return <f64>result;
}

/**
 * Exact nearest (and second nearest, for the ratio test) of one query: every row whose f32 score
 * could be within rounding of the reference score is re-measured in f64. Sets bestIndex,
 * bestDistSq, secondDistSq.
 */
function resolveRow(
  buf: usize, n: i32, nPad: i32, rows: usize, query: usize, dim: i32, maxNorm: f64, withSecond: bool,
): void {
  let qNormSq: f64 = 0;
  for (let k = 0; k < dim; k++) {
    const v = <f64>load<f32>(query + (<usize>k << 2));
    qNormSq += v * v;
  }
  const qNorm = Math.sqrt(qNormSq);
  // |f32 score − exact score| ≤ γ·(|a|²/2 + |a||b|) with γ ≈ (dim + 3)·2⁻²⁴. Two scores are compared,
  // and the f64 re-measurement has its own tiny error: a 4× safety factor covers all of it.
  const scale = 0.5 * maxNorm * maxNorm + maxNorm * qNorm + 0.5 * qNormSq;
  const margin = 4.0 * <f64>(dim + 8) * 5.960464477539063e-8 * scale + 1e-37;
  const threshold = f32x4.splat(roundUpToF32(rowMinimum(buf, nPad, withSecond) + margin));
  bestIndex = -1;
  bestDistSq = Infinity;
  secondDistSq = Infinity;
  const rowBytes = <usize>dim << 2;
  for (let j = 0; j < nPad; j += 4) {
    const hit = f32x4.le(v128.load(buf + (<usize>j << 2)), threshold);
    if (!v128.any_true(hit)) continue;
    const lanes = i32x4.bitmask(hit);
    for (let lane = 0; lane < 4; lane++) {
      const idx = j + lane;
      if (((lanes >> lane) & 1) == 0 || idx >= n) continue;
      const d = exactSquaredDistance(rows + <usize>idx * rowBytes, query, dim);
      if (d < bestDistSq) {
        secondDistSq = bestDistSq;
        bestDistSq = d;
        bestIndex = idx;
      } else if (d < secondDistSq) {
        secondDistSq = d;
      }
    }
  }
}

/**
 * For every image-2 row i2: outIndex[i2] = its nearest image-1 row if accepted, else −1;
 * outDistSq[i2] = exact f64 squared distance to the nearest image-1 row (+inf when n1 = 0).
 * Accepted iff d² < boundSq (strict, f64); with NN_RATIO also √d²₁ < ratio·√d²₂ (second nearest,
 * +inf when n1 = 1); with NN_MUTUAL also i2 is the nearest image-2 row of that image-1 row (lowest
 * index on exact ties). Returns the number accepted, or −1 if scratch memory could not be allocated.
 */
export function nearestNeighbours(
  d1: usize, n1: i32, d2: usize, n2: i32, dim: i32, boundSq: f64, mode: i32, ratio: f64,
  outIndex: usize, outDistSq: usize,
): i32 {
  for (let i = 0; i < n2; i++) {
    store<i32>(outIndex + (<usize>i << 2), -1);
    store<f64>(outDistSq + (<usize>i << 3), Infinity);
  }
  if (n1 == 0 || n2 == 0) return 0;
  const withRatio = (mode & NN_RATIO) != 0;
  const rowBytes = <usize>dim << 2;

  const blocks1 = (n1 + BLOCK - 1) >> BLOCK_SHIFT;
  const nPad1 = blocks1 * BLOCK;
  const packed1 = arenaAlloc(<usize>blocks1 * (<usize>dim << 6));
  const half1 = arenaAlloc(<usize>nPad1 << 2);
  const row0 = arenaAlloc(<usize>nPad1 << 2);
  const row1 = arenaAlloc(<usize>nPad1 << 2);
  if (packed1 == 0 || half1 == 0 || row0 == 0 || row1 == 0) return -1;
  const maxNorm1 = pack(d1, n1, dim, packed1, half1);

  let i2 = 0;
  for (; i2 + 2 <= n2; i2 += 2) {
    const q0 = d2 + <usize>i2 * rowBytes;
    const q1 = q0 + rowBytes;
    scoreTwoRows(packed1, half1, blocks1, dim, q0, q1, row0, row1);
    acceptRow(row0, n1, nPad1, d1, q0, dim, maxNorm1, withRatio, boundSq, ratio, i2, outIndex, outDistSq);
    acceptRow(row1, n1, nPad1, d1, q1, dim, maxNorm1, withRatio, boundSq, ratio, i2 + 1, outIndex, outDistSq);
  }
  if (i2 < n2) {
    const q = d2 + <usize>i2 * rowBytes;
    scoreOneRow(packed1, half1, blocks1, dim, q, row0);
    acceptRow(row0, n1, nPad1, d1, q, dim, maxNorm1, withRatio, boundSq, ratio, i2, outIndex, outDistSq);
  }

  if ((mode & NN_MUTUAL) != 0 && !keepMutual(d1, n1, d2, n2, dim, outIndex)) return -1;

  let count = 0;
  for (let i = 0; i < n2; i++) if (load<i32>(outIndex + (<usize>i << 2)) >= 0) count++;
  return count;
}

function acceptRow(
  buf: usize, n1: i32, nPad1: i32, d1: usize, query: usize, dim: i32, maxNorm1: f64, withRatio: bool,
  boundSq: f64, ratio: f64, i2: i32, outIndex: usize, outDistSq: usize,
): void {
  resolveRow(buf, n1, nPad1, d1, query, dim, maxNorm1, withRatio);
  store<f64>(outDistSq + (<usize>i2 << 3), bestDistSq);
  let accept = bestDistSq < boundSq;
  if (accept && withRatio) accept = Math.sqrt(bestDistSq) < ratio * Math.sqrt(secondDistSq);
  if (accept) store<i32>(outIndex + (<usize>i2 << 2), bestIndex);
}

/** Drops matches (i1, i2) where i2 is not the nearest image-2 row of i1. False on allocation failure. */
function keepMutual(d1: usize, n1: i32, d2: usize, n2: i32, dim: i32, outIndex: usize): bool {
  const blocks2 = (n2 + BLOCK - 1) >> BLOCK_SHIFT;
  const nPad2 = blocks2 * BLOCK;
  const packed2 = arenaAlloc(<usize>blocks2 * (<usize>dim << 6));
  const half2 = arenaAlloc(<usize>nPad2 << 2);
  const row = arenaAlloc(<usize>nPad2 << 2);
  const reverse = arenaAlloc(<usize>n1 << 2);
  if (packed2 == 0 || half2 == 0 || row == 0 || reverse == 0) return false;
  const maxNorm2 = pack(d2, n2, dim, packed2, half2);
  const rowBytes = <usize>dim << 2;
  for (let i = 0; i < n1; i++) store<i32>(reverse + (<usize>i << 2), -2);
  for (let i2 = 0; i2 < n2; i2++) {
    const i1 = load<i32>(outIndex + (<usize>i2 << 2));
    if (i1 < 0) continue;
    let nearest = load<i32>(reverse + (<usize>i1 << 2));
    if (nearest == -2) {
      const q = d1 + <usize>i1 * rowBytes;
      scoreOneRow(packed2, half2, blocks2, dim, q, row);
      resolveRow(row, n2, nPad2, d2, q, dim, maxNorm2, false);
      nearest = bestIndex;
      store<i32>(reverse + (<usize>i1 << 2), nearest);
    }
    if (nearest != i2) store<i32>(outIndex + (<usize>i2 << 2), -1);
  }
  return true;
}
