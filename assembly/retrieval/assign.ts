// Visual-word assignment for ASMK* and k-means: the m nearest centroids (squared L2) of each
// descriptor, in f32 SIMD. Centroids are packed by blocks of 4 (component-major inside a block) so
// one f32x4 lane accumulates one centroid and no horizontal sum is needed. Score of centroid j for
// descriptor x: s_j = |c_j|²/2 − c_j·x (d² = 2 s_j + |x|²), every sum in f32 in component order,
// so a plain f32 loop (test/node/retrieval/core.test.ts) reproduces it bit for bit. Ties go to the
// lower centroid index.
import { arenaAlloc } from "../memory";

/** Descriptors scored together against one packed block (register blocking). */
const GROUP: i32 = 4;
/** Largest multiple assignment (src/retrieval/core/assign.ts MAX_ASSIGN). */
const MAX_ASSIGN: i32 = 16;

/**
 * Packs `k` row-major centroids IN PLACE into blocks of 4 (each block's 4 × dim rows transposed to
 * dim × 4, zero padding past k; the buffer holds ceil(k/4)·4 rows) and writes their f32 half squared
 * norms (+inf padding). In place so the codebook occupies wasm memory once.
 */
function packCentroids(buf: usize, k: i32, dim: i32, halfNorms: usize, scratch: usize): void {
  const blocks = (k + 3) >> 2;
  const blockBytes = <usize>dim << 4;
  for (let blk = 0; blk < blocks; blk++) {
    const base = buf + <usize>blk * blockBytes;
    memory.copy(scratch, base, blockBytes);
    for (let lane = 0; lane < 4; lane++) {
      const j = (blk << 2) + lane;
      const row = scratch + <usize>lane * (<usize>dim << 2);
      let normSq: f32 = 0;
      for (let c = 0; c < dim; c++) {
        const v: f32 = j < k ? load<f32>(row + (<usize>c << 2)) : 0;
        store<f32>(base + (<usize>c << 4) + (<usize>lane << 2), v);
        normSq += v * v;
      }
      store<f32>(halfNorms + (<usize>j << 2), j < k ? <f32>0.5 * normSq : Infinity);
    }
  }
}

/** Inserts (score, index) into a sorted top-m list (parallel f32 scores and i32 indices). */
@inline function insert(bestScores: usize, bestIndex: usize, m: i32, score: f32, index: i32): void {
  let p = m - 1;
  // Strictly smaller only: an equal score found later has a larger index and stays behind.
  while (p > 0 && score < load<f32>(bestScores + (<usize>(p - 1) << 2))) {
    store<f32>(bestScores + (<usize>p << 2), load<f32>(bestScores + (<usize>(p - 1) << 2)));
    store<i32>(bestIndex + (<usize>p << 2), load<i32>(bestIndex + (<usize>(p - 1) << 2)));
    p--;
  }
  store<f32>(bestScores + (<usize>p << 2), score);
  store<i32>(bestIndex + (<usize>p << 2), index);
}

/** Offers the 4 lane scores of block `blk` to one descriptor's top-m list. */
@inline function offer(t: v128, blk: i32, k: i32, bestScores: usize, bestIndex: usize, m: i32): void {
  const worst = f32x4.splat(load<f32>(bestScores + (<usize>(m - 1) << 2)));
  if (!v128.any_true(f32x4.lt(t, worst))) return;
  const base = blk << 2;
  for (let lane = 0; lane < 4; lane++) {
    const j = base + lane;
    if (j >= k) break;
    const s = lane == 0 ? f32x4.extract_lane(t, 0) : lane == 1 ? f32x4.extract_lane(t, 1) : lane == 2 ? f32x4.extract_lane(t, 2) : f32x4.extract_lane(t, 3);
    if (s < load<f32>(bestScores + (<usize>(m - 1) << 2))) insert(bestScores, bestIndex, m, s, j);
  }
}

/**
 * For each of `n` descriptors (row-major f32 at `x`), the `m` nearest of `k` centroids (row-major
 * f32 at `centroids`, a buffer of ceil(k/4)·4 rows that this call packs in place), nearest first: outWords[i*m + r] = centroid index, outScores[i*m + r] =
 * |c|²/2 − c·x (f32). When m > k the tail is −1 / +inf. Returns 0, −1 if scratch memory could not be
 * allocated, −2 on bad arguments.
 */
export function assignWords(
  x: usize, n: i32, centroids: usize, k: i32, dim: i32, m: i32, outWords: usize, outScores: usize,
): i32 {
  if (n < 0 || k < 1 || dim < 1 || m < 1 || m > MAX_ASSIGN) return -2;
  const blocks = (k + 3) >> 2;
  const blockBytes = <usize>dim << 4;
  const packed = centroids;
  const halfNorms = arenaAlloc(<usize>blocks << 4);
  const splats = arenaAlloc(<usize>GROUP * (<usize>dim << 4));
  if (halfNorms == 0 || splats == 0) return -1;
  // The splat buffer (GROUP·dim·16 bytes) is larger than one block (4·dim·4 bytes): packing scratch.
  packCentroids(centroids, k, dim, halfNorms, splats);
  const rowBytes = <usize>dim << 2;
  const outRow = <usize>m << 2;
  for (let i = 0; i < n * m; i++) {
    store<i32>(outWords + (<usize>i << 2), -1);
    store<f32>(outScores + (<usize>i << 2), Infinity);
  }
  for (let i0 = 0; i0 < n; i0 += GROUP) {
    const g = min(GROUP, n - i0);
    // Each descriptor component splatted once (rows beyond n are zeros: computed, never stored).
    for (let r = 0; r < GROUP; r++) {
      for (let c = 0; c < dim; c++) {
        const v: f32 = r < g ? load<f32>(x + <usize>(i0 + r) * rowBytes + (<usize>c << 2)) : 0;
        v128.store(splats + (<usize>(r * dim + c) << 4), f32x4.splat(v));
      }
    }
    const s0 = splats, s1 = splats + (<usize>dim << 4), s2 = splats + (<usize>(2 * dim) << 4), s3 = splats + (<usize>(3 * dim) << 4);
    const w0 = outWords + <usize>i0 * outRow, sc0 = outScores + <usize>i0 * outRow;
    for (let blk = 0; blk < blocks; blk++) {
      const p = packed + <usize>blk * blockBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let c = 0;
      // Unrolled by 2 (same per-lane summation order as the plain loop).
      for (; c + 2 <= dim; c += 2) {
        const o = <usize>c << 4;
        const cv = v128.load(p + o);
        const cw = v128.load(p + o, 16);
        a0 = f32x4.add(f32x4.add(a0, f32x4.mul(cv, v128.load(s0 + o))), f32x4.mul(cw, v128.load(s0 + o, 16)));
        a1 = f32x4.add(f32x4.add(a1, f32x4.mul(cv, v128.load(s1 + o))), f32x4.mul(cw, v128.load(s1 + o, 16)));
        a2 = f32x4.add(f32x4.add(a2, f32x4.mul(cv, v128.load(s2 + o))), f32x4.mul(cw, v128.load(s2 + o, 16)));
        a3 = f32x4.add(f32x4.add(a3, f32x4.mul(cv, v128.load(s3 + o))), f32x4.mul(cw, v128.load(s3 + o, 16)));
      }
      for (; c < dim; c++) {
        const o = <usize>c << 4;
        const cv = v128.load(p + o);
        a0 = f32x4.add(a0, f32x4.mul(cv, v128.load(s0 + o)));
        a1 = f32x4.add(a1, f32x4.mul(cv, v128.load(s1 + o)));
        a2 = f32x4.add(a2, f32x4.mul(cv, v128.load(s2 + o)));
        a3 = f32x4.add(a3, f32x4.mul(cv, v128.load(s3 + o)));
      }
      const h = v128.load(halfNorms + (<usize>blk << 4));
      offer(f32x4.sub(h, a0), blk, k, sc0, w0, m);
      if (g > 1) offer(f32x4.sub(h, a1), blk, k, sc0 + outRow, w0 + outRow, m);
      if (g > 2) offer(f32x4.sub(h, a2), blk, k, sc0 + 2 * outRow, w0 + 2 * outRow, m);
      if (g > 3) offer(f32x4.sub(h, a3), blk, k, sc0 + 3 * outRow, w0 + 3 * outRow, m);
    }
  }
  return 0;
}
