// conv4x8s: the implicit-GEMM conv with a PACKED activation tile, the product's kernel in Node and
// workerd (same contract and arithmetic as conv4x8 in conv.ts, bit for bit: each output sums its taps
// in the same order, one FMA per tap).
// Per block of up to BLOCK_TILES tiles of 4 pixels, the block's im2col rows are first copied into
// `scratch` as [tile][k][4 pixels] (k = [dy][dx][c], the packed filter's order; 4×4 transposes when
// inC is a multiple of 4); every panel of the group then reuses them. A k step of the micro-kernel
// is 3 loads (A: the 4 pixels in one v128; B: 2 v128), 4 lane broadcasts (register shuffles) and 8
// FMAs, against 6 loads for conv4x8's load-splats. That matters in workerd, whose V8 bounds-checks
// every wasm load explicitly (no guard regions): there 3 checks per 8 FMAs instead of 6. Registers:
// 8 accumulators + 3 loaded + 1 broadcast, so neither V8 spills.
import { madd, storeTile, tapPointer } from "./conv";

const MR = 4;
/** Tiles per block at most; fewer when a block's packed A would not fit the scratch. */
const BLOCK_TILES = 12;
/** Bytes of packed filter a panel group may span, so it stays in L2 while the rows stream by. */
const GROUP_BYTES = 192 * 1024;

/** Packs tile (x0, y) of the im2col matrix: k = [dy][dx][c] rows of 4 pixels (16 bytes) at `to`. */
// @ts-ignore: decorator
@inline function packTile(
  input: usize, inH: i32, inW: i32, inC: i32, kh: i32, kw: i32, stride: i32,
  iy0: i32, ix0: i32, rem: i32, zeros: usize, to: usize,
): void {
  // Pixels past the row's end repeat pixel 0 (computed, never stored).
  const s1 = rem > 1 ? stride : 0, s2 = rem > 2 ? 2 * stride : 0, s3 = rem > 3 ? 3 * stride : 0;
  for (let dy = 0; dy < kh; dy++) {
    const iy = iy0 + dy;
    for (let dx = 0; dx < kw; dx++) {
      const ix = ix0 + dx;
      const a0 = tapPointer(input, inH, inW, inC, iy, ix, zeros);
      const a1 = tapPointer(input, inH, inW, inC, iy, ix + s1, zeros);
      const a2 = tapPointer(input, inH, inW, inC, iy, ix + s2, zeros);
      const a3 = tapPointer(input, inH, inW, inC, iy, ix + s3, zeros);
      const bytes = <usize>inC << 2;
      let c: usize = 0;
      if ((inC & 3) == 0) {
        for (; c < bytes; c += 16) {
          const r0 = v128.load(a0 + c), r1 = v128.load(a1 + c), r2 = v128.load(a2 + c), r3 = v128.load(a3 + c);
          const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
          v128.store(to, v128.shuffle<i32>(t0, t1, 0, 1, 4, 5));
          v128.store(to, v128.shuffle<i32>(t0, t1, 2, 3, 6, 7), 16);
          v128.store(to, v128.shuffle<i32>(t2, t3, 0, 1, 4, 5), 32);
          v128.store(to, v128.shuffle<i32>(t2, t3, 2, 3, 6, 7), 48);
          to += 64;
        }
      } else {
        for (; c < bytes; c += 4) {
          store<f32>(to, load<f32>(a0 + c));
          store<f32>(to, load<f32>(a1 + c), 4);
          store<f32>(to, load<f32>(a2 + c), 8);
          store<f32>(to, load<f32>(a3 + c), 12);
          to += 16;
        }
      }
    }
  }
}

/**
 * `scratch`: scratchBytes ≥ 16·kh·kw·inC bytes (one tile's packed A) of the tfjs heap.
 * A is ONE v128 load per k step (the tile's 4 pixels) and four lane broadcasts (register shuffles).
 */
export function conv4x8s(
  input: usize, inH: i32, inW: i32, inC: i32,
  packed: usize, kh: i32, kw: i32, stride: i32, padTop: i32, padLeft: i32,
  outH: i32, outW: i32, outC: i32,
  bias: usize, residual: usize, output: usize, relu: i32, zeros: usize,
  scratch: usize, scratchBytes: usize,
): void {
  const panels = outC >> 3;
  const depth = kh * kw * inC;
  const panelBytes = <usize>depth << 5;
  const tileBytes = <usize>depth << 4;
  const group = max<i32>(1, <i32>(<usize>GROUP_BYTES / panelBytes));
  const blockTiles = min<i32>(BLOCK_TILES, max<i32>(1, <i32>(scratchBytes / tileBytes)));
  const zero = f32x4.splat(0);
  for (let p0 = 0; p0 < panels; p0 += group) {
    const p1 = min(panels, p0 + group);
    for (let y = 0; y < outH; y++) {
      const iy0 = y * stride - padTop;
      for (let xb = 0; xb < outW; xb += MR * blockTiles) {
        const xbEnd = min(outW, xb + MR * blockTiles);
        let to = scratch;
        for (let x0 = xb; x0 < xbEnd; x0 += MR) {
          packTile(input, inH, inW, inC, kh, kw, stride, iy0, x0 * stride - padLeft, min(MR, outW - x0), zeros, to);
          to += tileBytes;
        }
        for (let p = p0; p < p1; p++) {
          const panel = packed + <usize>p * panelBytes;
          const bias0 = v128.load(bias + (<usize>p << 5)), bias1 = v128.load(bias + (<usize>p << 5), 16);
          let tile = scratch;
          for (let x0 = xb; x0 < xbEnd; x0 += MR) {
            const rem = min(MR, outW - x0);
            let a = tile, b = panel;
            const end = b + panelBytes;
            let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero;
            let c30 = zero, c31 = zero;
            while (b < end) {
              const b0 = v128.load(b), b1 = v128.load(b, 16);
              const av = v128.load(a);
              let v = v128.shuffle<i32>(av, av, 0, 0, 0, 0);
              c00 = madd(v, b0, c00); c01 = madd(v, b1, c01);
              v = v128.shuffle<i32>(av, av, 1, 1, 1, 1);
              c10 = madd(v, b0, c10); c11 = madd(v, b1, c11);
              v = v128.shuffle<i32>(av, av, 2, 2, 2, 2);
              c20 = madd(v, b0, c20); c21 = madd(v, b1, c21);
              v = v128.shuffle<i32>(av, av, 3, 3, 3, 3);
              c30 = madd(v, b0, c30); c31 = madd(v, b1, c31);
              a += 16;
              b += 32;
            }
            storeTile(output, residual, (<usize>(y * outW + x0) * <usize>outC + (<usize>p << 3)) << 2, <usize>outC << 2, rem,
              c00, c01, c10, c11, c20, c21, c30, c31, bias0, bias1, relu);
            tile += tileBytes;
          }
        }
      }
    }
  }
}
