// Nearest neighbours of image-2 descriptors among image-1 descriptors (the tutorial's cKDTree query,
// brute force). A fast filter scores every pair as s_j = |a_j|²/2 − a_j·b (d² = 2 s_j + |b|²), with
// the dot product on i16-quantised descriptors (i32x4.dot_i16x8_s: 8 multiply-adds per instruction)
// and the rest in f32 SIMD. Every image-1 row whose score is within a proven error bound of the best
// score is then re-measured in f64 with scipy's exact summation order, so the winner and the
// accept/reject decision (d² < bound², strict) are scipy's float64 ones. Exact f64 ties go to the
// lowest index.
import { arenaAlloc } from "./memory";

/** Image-1 rows per packed block: 4 vectors of 4 i32 lanes, so one splat of a query pair feeds 16 rows. */
const BLOCK: i32 = 16;
const BLOCK_SHIFT: i32 = 4;

/** Largest accepted |descriptor value| (keeps every f32 half-norm finite); NaN is rejected too. */
const MAX_VALUE: f64 = 1e16;

/** `mode` bits (src/match/nn.ts passes the same values). */
const NN_MUTUAL: i32 = 1;
const NN_RATIO: i32 = 2;

// Smallest scores of the rows scored last (row 0 and row 1).
let rowMin0: f64 = Infinity;
let rowMin1: f64 = Infinity;

// Results of the last `resolveRow`.
let bestIndex: i32 = -1;
let bestDistSq: f64 = Infinity;
let secondDistSq: f64 = Infinity;

/**
 * Squared Euclidean distance in f64 with scipy cKDTree's summation order (distance_base.h,
 * sqeuclidean_distance_double): four lane accumulators over blocks of 4 components, summed left to
 * right, then the remaining components one by one.
 */
function exactSquaredDistance(u: usize, v: usize, dim: i32): f64 {
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

/** Quantised value of v (|v·q| ≤ 32767 by the choice of q). */
@inline function quantise(v: f32, q: f64): i32 {
  const x = nearest<f64>(<f64>v * q);
  return <i32>min(max(x, -32767.0), 32767.0);
}

/**
 * Packs `n` row-major vectors as i16 (value × q) in blocks of 16 rows, by component pairs (block b,
 * pair p: 16 rows × 2 i16 = one i32 per row, the operand layout of i32x4.dot_i16x8_s), zero-padded;
 * halfNorms[j] = |a_j|²/2 in f32 from the unquantised values (+inf for padding rows so they never win).
 */
function pack(src: usize, n: i32, dim: i32, q: f64, packed: usize, halfNorms: usize): void {
  const nBlocks = (n + BLOCK - 1) >> BLOCK_SHIFT;
  const blockBytes = <usize>((dim + 1) >> 1) << 6;
  memory.fill(packed, 0, <usize>nBlocks * blockBytes);
  for (let i = 0; i < nBlocks * BLOCK; i++) {
    if (i >= n) {
      store<f32>(halfNorms + (<usize>i << 2), Infinity);
      continue;
    }
    const row = src + <usize>i * (<usize>dim << 2);
    const dst = packed + <usize>(i >> BLOCK_SHIFT) * blockBytes + (<usize>(i & (BLOCK - 1)) << 2);
    let normSq: f32 = 0;
    for (let k = 0; k < dim; k++) {
      const v = load<f32>(row + (<usize>k << 2));
      store<i16>(dst + (<usize>(k >> 1) << 6) + (<usize>(k & 1) << 1), <i16>quantise(v, q));
      normSq += v * v;
    }
    store<f32>(halfNorms + (<usize>i << 2), <f32>0.5 * normSq);
  }
}

/** Row-major i16 copies (value × q) of `n` rows, each padded to an even number of components. */
function quantiseRows(src: usize, n: i32, dim: i32, q: f64, dst: usize): void {
  const pairs = (dim + 1) >> 1;
  memory.fill(dst, 0, <usize>n * (<usize>pairs << 2));
  for (let i = 0; i < n; i++) {
    const row = src + <usize>i * (<usize>dim << 2);
    const out = dst + <usize>i * (<usize>pairs << 2);
    for (let k = 0; k < dim; k++) store<i16>(out + (<usize>k << 1), <i16>quantise(load<f32>(row + (<usize>k << 2)), q));
  }
}

/** max |a_j| over `n` rows (f64). */
function maxRowNorm(src: usize, n: i32, dim: i32): f64 {
  let best: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = src + <usize>i * (<usize>dim << 2);
    let s: f64 = 0;
    for (let k = 0; k < dim; k++) {
      const v = <f64>load<f32>(row + (<usize>k << 2));
      s += v * v;
    }
    if (s > best) best = s;
  }
  return Math.sqrt(best);
}

/** max |value| over `count` floats. */
function maxAbs(src: usize, count: i32): f64 {
  let best: f64 = 0;
  for (let i = 0; i < count; i++) best = max(best, Math.abs(<f64>load<f32>(src + (<usize>i << 2))));
  return best;
}

/**
 * The quantisation scale q: as fine as i16 allows (|v·q| ≤ 32767) while every quantised dot
 * product stays inside i32 (|a'·b'| ≤ |a'||b'| < 2³¹; i32 lane sums wrap, so only the final value
 * must fit).
 */
function quantisationScale(maxValue: f64, maxNorm1: f64, maxNorm2: f64, dim: i32): f64 {
  if (maxValue == 0) return 1;
  let q = 32767.0 / maxValue;
  const slack = 0.5 * Math.sqrt(<f64>dim);
  while ((q * maxNorm1 + slack) * (q * maxNorm2 + slack) >= 2147483647.0 * 0.99) q *= 0.5;
  return q;
}

/**
 * Bound on |computed score − exact score| for one query, times a safety factor of 2, doubled
 * because two scores are compared: quantisation changes a·b by at most
 * (0.5/q)(‖a‖₁ + ‖b‖₁) + dim/(4q²) ≤ (0.5/q)√dim(|a| + |b|) + dim/(4q²); the f32 half-norm and the
 * f32 conversion/scaling add relative rounding errors of a few 2⁻²⁴ (covered generously).
 */
function scoreMargin(dim: i32, q: f64, maxNorm: f64, queryNorm: f64): f64 {
  const d = <f64>dim;
  const quantisation = (0.5 / q) * Math.sqrt(d) * (maxNorm + queryNorm) + d / (4 * q * q);
  const rounding = (d + 16) * 5.960464477539063e-8 * (0.5 * maxNorm * maxNorm + maxNorm * queryNorm + quantisation + 0.5 * queryNorm * queryNorm);
  return 4 * (quantisation + rounding) + 1e-37;
}

/** Scores of two quantised queries against every packed row (register-blocked: 2 queries × 16 rows). */
function scoreTwoRows(
  packed: usize, halfNorms: usize, nBlocks: i32, pairs: i32, invQ2: f32, q0: usize, q1: usize, out0: usize, out1: usize,
): void {
  const blockBytes = <usize>pairs << 6;
  const scale = f32x4.splat(invQ2);
  let min0 = f32x4.splat(Infinity), min1 = f32x4.splat(Infinity);
  for (let blk = 0; blk < nBlocks; blk++) {
    let p = packed + <usize>blk * blockBytes;
    let s00 = i32x4.splat(0), s01 = i32x4.splat(0), s02 = i32x4.splat(0), s03 = i32x4.splat(0);
    let s10 = i32x4.splat(0), s11 = i32x4.splat(0), s12 = i32x4.splat(0), s13 = i32x4.splat(0);
    for (let k = 0; k < pairs; k++) {
      const b0 = v128.load32_splat(q0 + (<usize>k << 2));
      const b1 = v128.load32_splat(q1 + (<usize>k << 2));
      const x0 = v128.load(p);
      const x1 = v128.load(p, 16);
      const x2 = v128.load(p, 32);
      const x3 = v128.load(p, 48);
      s00 = i32x4.add(s00, i32x4.dot_i16x8_s(x0, b0));
      s01 = i32x4.add(s01, i32x4.dot_i16x8_s(x1, b0));
      s02 = i32x4.add(s02, i32x4.dot_i16x8_s(x2, b0));
      s03 = i32x4.add(s03, i32x4.dot_i16x8_s(x3, b0));
      s10 = i32x4.add(s10, i32x4.dot_i16x8_s(x0, b1));
      s11 = i32x4.add(s11, i32x4.dot_i16x8_s(x1, b1));
      s12 = i32x4.add(s12, i32x4.dot_i16x8_s(x2, b1));
      s13 = i32x4.add(s13, i32x4.dot_i16x8_s(x3, b1));
      p += 64;
    }
    const o = <usize>blk << 6;
    const h = halfNorms + o;
    const h0 = v128.load(h), h1 = v128.load(h, 16), h2 = v128.load(h, 32), h3 = v128.load(h, 48);
    const t00 = f32x4.sub(h0, f32x4.mul(f32x4.convert_i32x4_s(s00), scale));
    const t01 = f32x4.sub(h1, f32x4.mul(f32x4.convert_i32x4_s(s01), scale));
    const t02 = f32x4.sub(h2, f32x4.mul(f32x4.convert_i32x4_s(s02), scale));
    const t03 = f32x4.sub(h3, f32x4.mul(f32x4.convert_i32x4_s(s03), scale));
    const t10 = f32x4.sub(h0, f32x4.mul(f32x4.convert_i32x4_s(s10), scale));
    const t11 = f32x4.sub(h1, f32x4.mul(f32x4.convert_i32x4_s(s11), scale));
    const t12 = f32x4.sub(h2, f32x4.mul(f32x4.convert_i32x4_s(s12), scale));
    const t13 = f32x4.sub(h3, f32x4.mul(f32x4.convert_i32x4_s(s13), scale));
    v128.store(out0 + o, t00);
    v128.store(out0 + o, t01, 16);
    v128.store(out0 + o, t02, 32);
    v128.store(out0 + o, t03, 48);
    v128.store(out1 + o, t10);
    v128.store(out1 + o, t11, 16);
    v128.store(out1 + o, t12, 32);
    v128.store(out1 + o, t13, 48);
    min0 = f32x4.pmin(min0, f32x4.pmin(f32x4.pmin(t00, t01), f32x4.pmin(t02, t03)));
    min1 = f32x4.pmin(min1, f32x4.pmin(f32x4.pmin(t10, t11), f32x4.pmin(t12, t13)));
  }
  rowMin0 = laneMinimum(min0);
  rowMin1 = laneMinimum(min1);
}

/** Smallest of 4 f32 lanes, as f64. */
@inline function laneMinimum(v: v128): f64 {
  return <f64>min(min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Scores of one quantised query against every packed row. */
function scoreOneRow(packed: usize, halfNorms: usize, nBlocks: i32, pairs: i32, invQ2: f32, q: usize, out: usize): void {
  const blockBytes = <usize>pairs << 6;
  const scale = f32x4.splat(invQ2);
  let min0 = f32x4.splat(Infinity);
  for (let blk = 0; blk < nBlocks; blk++) {
    let p = packed + <usize>blk * blockBytes;
    let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
    for (let k = 0; k < pairs; k++) {
      const b = v128.load32_splat(q + (<usize>k << 2));
      s0 = i32x4.add(s0, i32x4.dot_i16x8_s(v128.load(p), b));
      s1 = i32x4.add(s1, i32x4.dot_i16x8_s(v128.load(p, 16), b));
      s2 = i32x4.add(s2, i32x4.dot_i16x8_s(v128.load(p, 32), b));
      s3 = i32x4.add(s3, i32x4.dot_i16x8_s(v128.load(p, 48), b));
      p += 64;
    }
    const o = <usize>blk << 6;
    const h = halfNorms + o;
    const t0 = f32x4.sub(v128.load(h), f32x4.mul(f32x4.convert_i32x4_s(s0), scale));
    const t1 = f32x4.sub(v128.load(h, 16), f32x4.mul(f32x4.convert_i32x4_s(s1), scale));
    const t2 = f32x4.sub(v128.load(h, 32), f32x4.mul(f32x4.convert_i32x4_s(s2), scale));
    const t3 = f32x4.sub(v128.load(h, 48), f32x4.mul(f32x4.convert_i32x4_s(s3), scale));
    v128.store(out + o, t0);
    v128.store(out + o, t1, 16);
    v128.store(out + o, t2, 32);
    v128.store(out + o, t3, 48);
    min0 = f32x4.pmin(min0, f32x4.pmin(f32x4.pmin(t0, t1), f32x4.pmin(t2, t3)));
  }
  rowMin0 = laneMinimum(min0);
}

/** Smallest f32 at least `x` (so a threshold derived in f64 never shrinks when stored as f32). */
function roundUpToF32(x: f64): f32 {
  let t = <f32>x;
  if (<f64>t >= x || isNaN(t) || t == Infinity) return t;
  if (t == 0) return reinterpret<f32>(<i32>1);
  const bits = reinterpret<i32>(t);
  return reinterpret<f32>(t > 0 ? bits + 1 : bits - 1);
}

/** The second smallest score of a row buffer (the ratio test's reference). */
function rowSecondMinimum(buf: usize, nPad: i32): f64 {
  let m1 = f32x4.splat(Infinity);
  let m2 = f32x4.splat(Infinity);
  for (let j = 0; j < nPad; j += 4) {
    const s = v128.load(buf + (<usize>j << 2));
    m2 = f32x4.pmin(m2, f32x4.pmax(m1, s));
    m1 = f32x4.pmin(m1, s);
  }
  const a0 = f32x4.extract_lane(m1, 0), a1 = f32x4.extract_lane(m1, 1);
  const a2 = f32x4.extract_lane(m1, 2), a3 = f32x4.extract_lane(m1, 3);
  const best = min(min(a0, a1), min(a2, a3));
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
  buf: usize, n: i32, nPad: i32, rows: usize, query: usize, dim: i32, q: f64, maxNorm: f64, withSecond: bool,
  smallest: f64,
): void {
  let qNormSq: f64 = 0;
  for (let k = 0; k < dim; k++) {
    const v = <f64>load<f32>(query + (<usize>k << 2));
    qNormSq += v * v;
  }
  const margin = scoreMargin(dim, q, maxNorm, Math.sqrt(qNormSq));
  const reference = withSecond ? rowSecondMinimum(buf, nPad) : smallest;
  const threshold = f32x4.splat(roundUpToF32(reference + margin));
  bestIndex = -1;
  bestDistSq = Infinity;
  secondDistSq = Infinity;
  const rowBytes = <usize>dim << 2;
  for (let j = 0; j < nPad; j += BLOCK) {
    const base = buf + (<usize>j << 2);
    const hit0 = f32x4.le(v128.load(base), threshold);
    const hit1 = f32x4.le(v128.load(base, 16), threshold);
    const hit2 = f32x4.le(v128.load(base, 32), threshold);
    const hit3 = f32x4.le(v128.load(base, 48), threshold);
    if (!v128.any_true(v128.or(v128.or(hit0, hit1), v128.or(hit2, hit3)))) continue;
    const lanes = i32x4.bitmask(hit0) | (i32x4.bitmask(hit1) << 4) | (i32x4.bitmask(hit2) << 8) | (i32x4.bitmask(hit3) << 12);
    for (let lane = 0; lane < BLOCK; lane++) {
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
 * index on exact ties). Returns the number accepted, −1 if scratch memory could not be allocated,
 * −2 if a descriptor value is NaN or beyond ±MAX_VALUE.
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
  const pairs = (dim + 1) >> 1;
  const qRowBytes = <usize>pairs << 2;

  const maxNorm1 = maxRowNorm(d1, n1, dim);
  const maxNorm2 = maxRowNorm(d2, n2, dim);
  const maxValue = max(maxAbs(d1, n1 * dim), maxAbs(d2, n2 * dim));
  if (!(maxValue <= MAX_VALUE)) return -2;
  const q = quantisationScale(maxValue, maxNorm1, maxNorm2, dim);
  const invQ2 = <f32>(1.0 / (q * q));

  const blocks1 = (n1 + BLOCK - 1) >> BLOCK_SHIFT;
  const nPad1 = blocks1 * BLOCK;
  const packed1 = arenaAlloc(<usize>blocks1 * (<usize>pairs << 6));
  const half1 = arenaAlloc(<usize>nPad1 << 2);
  const queries = arenaAlloc(<usize>n2 * qRowBytes);
  const row0 = arenaAlloc(<usize>nPad1 << 2);
  const row1 = arenaAlloc(<usize>nPad1 << 2);
  if (packed1 == 0 || half1 == 0 || queries == 0 || row0 == 0 || row1 == 0) return -1;
  pack(d1, n1, dim, q, packed1, half1);
  quantiseRows(d2, n2, dim, q, queries);

  let i2 = 0;
  for (; i2 + 2 <= n2; i2 += 2) {
    const q0 = queries + <usize>i2 * qRowBytes;
    scoreTwoRows(packed1, half1, blocks1, pairs, invQ2, q0, q0 + qRowBytes, row0, row1);
    const r0 = d2 + <usize>i2 * rowBytes;
    acceptRow(row0, rowMin0, n1, nPad1, d1, r0, dim, q, maxNorm1, withRatio, boundSq, ratio, i2, outIndex, outDistSq);
    acceptRow(row1, rowMin1, n1, nPad1, d1, r0 + rowBytes, dim, q, maxNorm1, withRatio, boundSq, ratio, i2 + 1, outIndex, outDistSq);
  }
  if (i2 < n2) {
    scoreOneRow(packed1, half1, blocks1, pairs, invQ2, queries + <usize>i2 * qRowBytes, row0);
    acceptRow(row0, rowMin0, n1, nPad1, d1, d2 + <usize>i2 * rowBytes, dim, q, maxNorm1, withRatio, boundSq, ratio, i2, outIndex, outDistSq);
  }

  if ((mode & NN_MUTUAL) != 0 && !keepMutual(d1, n1, d2, n2, dim, q, maxNorm2, outIndex)) return -1;

  let count = 0;
  for (let i = 0; i < n2; i++) if (load<i32>(outIndex + (<usize>i << 2)) >= 0) count++;
  return count;
}

function acceptRow(
  buf: usize, smallest: f64, n1: i32, nPad1: i32, d1: usize, query: usize, dim: i32, q: f64, maxNorm1: f64,
  withRatio: bool, boundSq: f64, ratio: f64, i2: i32, outIndex: usize, outDistSq: usize,
): void {
  resolveRow(buf, n1, nPad1, d1, query, dim, q, maxNorm1, withRatio, smallest);
  store<f64>(outDistSq + (<usize>i2 << 3), bestDistSq);
  let accept = bestDistSq < boundSq;
  if (accept && withRatio) accept = Math.sqrt(bestDistSq) < ratio * Math.sqrt(secondDistSq);
  if (accept) store<i32>(outIndex + (<usize>i2 << 2), bestIndex);
}

/** Drops matches (i1, i2) where i2 is not the nearest image-2 row of i1. False on allocation failure. */
function keepMutual(d1: usize, n1: i32, d2: usize, n2: i32, dim: i32, q: f64, maxNorm2: f64, outIndex: usize): bool {
  const pairs = (dim + 1) >> 1;
  const qRowBytes = <usize>pairs << 2;
  const blocks2 = (n2 + BLOCK - 1) >> BLOCK_SHIFT;
  const nPad2 = blocks2 * BLOCK;
  const packed2 = arenaAlloc(<usize>blocks2 * (<usize>pairs << 6));
  const half2 = arenaAlloc(<usize>nPad2 << 2);
  const query = arenaAlloc(qRowBytes);
  const row = arenaAlloc(<usize>nPad2 << 2);
  const reverse = arenaAlloc(<usize>n1 << 2);
  if (packed2 == 0 || half2 == 0 || query == 0 || row == 0 || reverse == 0) return false;
  pack(d2, n2, dim, q, packed2, half2);
  const invQ2 = <f32>(1.0 / (q * q));
  const rowBytes = <usize>dim << 2;
  for (let i = 0; i < n1; i++) store<i32>(reverse + (<usize>i << 2), -2);
  for (let i2 = 0; i2 < n2; i2++) {
    const i1 = load<i32>(outIndex + (<usize>i2 << 2));
    if (i1 < 0) continue;
    let nearestRow = load<i32>(reverse + (<usize>i1 << 2));
    if (nearestRow == -2) {
      const r = d1 + <usize>i1 * rowBytes;
      quantiseRows(r, 1, dim, q, query);
      scoreOneRow(packed2, half2, blocks2, pairs, invQ2, query, row);
      resolveRow(row, n2, nPad2, d2, r, dim, q, maxNorm2, false, rowMin0);
      nearestRow = bestIndex;
      store<i32>(reverse + (<usize>i1 << 2), nearestRow);
    }
    if (nearestRow != i2) store<i32>(outIndex + (<usize>i2 << 2), -1);
  }
  return true;
}
