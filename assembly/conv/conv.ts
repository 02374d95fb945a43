// Implicit-GEMM convolution over NHWC float32 tensors that live in tfjs-wasm's memory: this module
// imports that memory (env.memory), owns no data of its own, and never allocates. Every pointer is
// a byte offset into the tfjs heap, allocated by the caller (src/delf/conv-engine/).
//
// out[y, x, o] = act(bias[o] + Σ_{dy,dx,c} in[y·s − pt + dy, x·s − pl + dx, c] · w[dy, dx, c, o] (+ residual[y, x, o]))
// Outside the input the taps read `zeros` (≥ inC zero floats): SAME/explicit padding without a copy.
// Two kernels, identical arithmetic (each output sums its taps in the same order): conv4x8s in
// conv-packed.ts (packed A; the product's kernel, src/delf/conv-engine/kernel.ts) and conv4x8 here,
// which reads A straight from the input (no scratch): the reference in the bit-identity tests and
// `bench -- gemm`.
// Weights are packed once at load (see packFilter in the TS engine): panels of 8 output channels,
// panel p = [tap][c][8] floats, so the micro-kernel reads B as two contiguous v128 per (tap, c).
// The micro-kernel computes 4 output pixels × 8 channels in 8 v128 accumulators; bias, the
// residual add and ReLU are applied in the output write. Built twice: with relaxed SIMD
// (relaxed_madd → FMA) and plain SIMD128 (mul + add).

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Pixels per micro-tile (rows of the implicit GEMM). 4, not 6: TurboFan schedules a loop body's
 * loads first, so 8 accumulators + 2 B + 4 A registers fit x64's 15 usable xmm registers, while
 * 6 rows (12 + 2 + 6) spilled accumulators to the stack in every step (seen with
 * --print-wasm-code); for the same reason the k loop is not unrolled.
 */
const MR = 4;
/** Tiles per block (see the loop in conv). */
const BLOCK_TILES = 12;
/** Bytes of packed filter a panel group may span, so it stays in L2 while the rows stream by. */
const GROUP_BYTES = 192 * 1024;

// @ts-ignore: decorator
@inline export function tapPointer(input: usize, inH: i32, inW: i32, inC: i32, iy: i32, ix: i32, zeros: usize): usize {
  if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) return zeros;
  return input + ((<usize>(iy * inW + ix) * <usize>inC) << 2);
}

export function conv4x8(
  input: usize, inH: i32, inW: i32, inC: i32,
  packed: usize, kh: i32, kw: i32, stride: i32, padTop: i32, padLeft: i32,
  outH: i32, outW: i32, outC: i32,
  bias: usize, residual: usize, output: usize, relu: i32, zeros: usize,
): void {
  const panels = outC >> 3;
  const taps = kh * kw;
  const panelBytes = <usize>(taps * inC) << 5;
  const group = max<i32>(1, <i32>(<usize>GROUP_BYTES / panelBytes));
  const zero = f32x4.splat(0);
  for (let p0 = 0; p0 < panels; p0 += group) {
    const p1 = min(panels, p0 + group);
    for (let y = 0; y < outH; y++) {
      const iy0 = y * stride - padTop;
      // Blocks of BLOCK_TILES tiles: each panel's weights stay in L1 while the block's tiles use them.
      for (let xb = 0; xb < outW; xb += MR * BLOCK_TILES) {
      const xbEnd = min(outW, xb + MR * BLOCK_TILES);
      for (let p = p0; p < p1; p++) {
        for (let x0 = xb; x0 < xbEnd; x0 += MR) {
        const rem = min(MR, outW - x0);
        const ix0 = x0 * stride - padLeft;
        // Pixels past the row's end repeat pixel 0 (computed, never stored).
        const s1 = rem > 1 ? stride : 0, s2 = rem > 2 ? 2 * stride : 0, s3 = rem > 3 ? 3 * stride : 0;
        {
          let b = packed + <usize>p * panelBytes;
          let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero;
          let c30 = zero, c31 = zero;
          for (let dy = 0; dy < kh; dy++) {
            const iy = iy0 + dy;
            // A row inside the input for all kw taps of all MR pixels: the taps' channels are
            // contiguous (NHWC, packed [dy][dx][c]), so they run as ONE stretch of kw·inC.
            const inside = iy >= 0 && iy < inH && ix0 >= 0 && ix0 + (rem - 1) * stride + kw - 1 < inW;
            const runs = inside ? 1 : kw;
            const runLength = inside ? kw * inC : inC;
            for (let dx = 0; dx < runs; dx++) {
              const ix = ix0 + dx;
              let a0 = tapPointer(input, inH, inW, inC, iy, ix, zeros);
              let a1 = tapPointer(input, inH, inW, inC, iy, ix + s1, zeros);
              let a2 = tapPointer(input, inH, inW, inC, iy, ix + s2, zeros);
              let a3 = tapPointer(input, inH, inW, inC, iy, ix + s3, zeros);
              const end = b + (<usize>runLength << 5);
              while (b < end) {
                const b0 = v128.load(b), b1 = v128.load(b, 16);
                let v = v128.load32_splat(a0);
                c00 = madd(v, b0, c00); c01 = madd(v, b1, c01);
                v = v128.load32_splat(a1);
                c10 = madd(v, b0, c10); c11 = madd(v, b1, c11);
                v = v128.load32_splat(a2);
                c20 = madd(v, b0, c20); c21 = madd(v, b1, c21);
                v = v128.load32_splat(a3);
                c30 = madd(v, b0, c30); c31 = madd(v, b1, c31);
                a0 += 4; a1 += 4; a2 += 4; a3 += 4;
                b += 32;
              }
            }
          }
          const bias0 = v128.load(bias + (<usize>p << 5)), bias1 = v128.load(bias + (<usize>p << 5), 16);
          storeTile(output, residual, (<usize>(y * outW + x0) * <usize>outC + (<usize>p << 3)) << 2, <usize>outC << 2, rem,
            c00, c01, c10, c11, c20, c21, c30, c31, bias0, bias1, relu);
        }
        }
      }
      }
    }
  }
}

/** Writes a 4-pixel × 8-channel tile (its first `rem` pixels) at byte offset `row`, pixels `step` bytes apart. */
// @ts-ignore: decorator
@inline export function storeTile(
  output: usize, residual: usize, row: usize, step: usize, rem: i32,
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
  bias0: v128, bias1: v128, relu: i32,
): void {
  store8(output + row, residual ? residual + row : 0, c00, c01, bias0, bias1, relu);
  if (rem > 1) store8(output + row + step, residual ? residual + row + step : 0, c10, c11, bias0, bias1, relu);
  if (rem > 2) store8(output + row + 2 * step, residual ? residual + row + 2 * step : 0, c20, c21, bias0, bias1, relu);
  if (rem > 3) store8(output + row + 3 * step, residual ? residual + row + 3 * step : 0, c30, c31, bias0, bias1, relu);
}

/** Writes 8 channels: acc + bias (+ residual), then ReLU. `out` may equal `res` (in place). */
// @ts-ignore: decorator
@inline function store8(out: usize, res: usize, c0: v128, c1: v128, bias0: v128, bias1: v128, relu: i32): void {
  let v0 = f32x4.add(c0, bias0), v1 = f32x4.add(c1, bias1);
  if (res) {
    v0 = f32x4.add(v0, v128.load(res));
    v1 = f32x4.add(v1, v128.load(res, 16));
  }
  if (relu) {
    const z = f32x4.splat(0);
    v0 = f32x4.max(v0, z);
    v1 = f32x4.max(v1, z);
  }
  v128.store(out, v0);
  v128.store(out, v1, 16);
}
