// The 6×8 register tile of the implicit-GEMM conv (see conv.ts for the layout and contract): 6 pixels
// × 8 channels in 12 v128 accumulators, k loop unrolled 4×. Same arithmetic as conv4x8, bit for bit.
// Kept because the best tile depends on the V8 that compiles it: workerd's V8 runs this one faster
// (30–34 against 23–26 GFLOP/s on the 1×1 shapes), Node 20's V8 11.3 spills its accumulators
// (25–28 against 35–41 for conv4x8). See docs/BENCHMARKS.md, "DELF conv engine".
import { madd, store8, tapPointer } from "./conv";

/** Pixels per micro-tile (rows of the implicit GEMM). */
const MR = 6;
/** Tiles per block (see the loop in conv). */
const BLOCK_TILES = 8;
/** Bytes of packed filter a panel group may span, so it stays in L2 while the rows stream by. */
const GROUP_BYTES = 192 * 1024;

export function conv6x8(
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
        const s4 = rem > 4 ? 4 * stride : 0, s5 = rem > 5 ? 5 * stride : 0;
        {
          let b = packed + <usize>p * panelBytes;
          let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero;
          let c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero;
          for (let dy = 0; dy < kh; dy++) {
            const iy = iy0 + dy;
            // A row inside the input for all kw taps of all 6 pixels: the taps' channels are
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
              let a4 = tapPointer(input, inH, inW, inC, iy, ix + s4, zeros);
              let a5 = tapPointer(input, inH, inW, inC, iy, ix + s5, zeros);
              const end4 = b + (<usize>(runLength & ~3) << 5);
              const end = b + (<usize>runLength << 5);
              while (b < end4) {
                const b00 = v128.load(b), b10 = v128.load(b, 16);
                let v = v128.load32_splat(a0);
                c00 = madd(v, b00, c00); c01 = madd(v, b10, c01);
                v = v128.load32_splat(a1);
                c10 = madd(v, b00, c10); c11 = madd(v, b10, c11);
                v = v128.load32_splat(a2);
                c20 = madd(v, b00, c20); c21 = madd(v, b10, c21);
                v = v128.load32_splat(a3);
                c30 = madd(v, b00, c30); c31 = madd(v, b10, c31);
                v = v128.load32_splat(a4);
                c40 = madd(v, b00, c40); c41 = madd(v, b10, c41);
                v = v128.load32_splat(a5);
                c50 = madd(v, b00, c50); c51 = madd(v, b10, c51);
                const b01 = v128.load(b, 32), b11 = v128.load(b, 48);
                v = v128.load32_splat(a0, 4);
                c00 = madd(v, b01, c00); c01 = madd(v, b11, c01);
                v = v128.load32_splat(a1, 4);
                c10 = madd(v, b01, c10); c11 = madd(v, b11, c11);
                v = v128.load32_splat(a2, 4);
                c20 = madd(v, b01, c20); c21 = madd(v, b11, c21);
                v = v128.load32_splat(a3, 4);
                c30 = madd(v, b01, c30); c31 = madd(v, b11, c31);
                v = v128.load32_splat(a4, 4);
                c40 = madd(v, b01, c40); c41 = madd(v, b11, c41);
                v = v128.load32_splat(a5, 4);
                c50 = madd(v, b01, c50); c51 = madd(v, b11, c51);
                const b02 = v128.load(b, 64), b12 = v128.load(b, 80);
                v = v128.load32_splat(a0, 8);
                c00 = madd(v, b02, c00); c01 = madd(v, b12, c01);
                v = v128.load32_splat(a1, 8);
                c10 = madd(v, b02, c10); c11 = madd(v, b12, c11);
                v = v128.load32_splat(a2, 8);
                c20 = madd(v, b02, c20); c21 = madd(v, b12, c21);
                v = v128.load32_splat(a3, 8);
                c30 = madd(v, b02, c30); c31 = madd(v, b12, c31);
                v = v128.load32_splat(a4, 8);
                c40 = madd(v, b02, c40); c41 = madd(v, b12, c41);
                v = v128.load32_splat(a5, 8);
                c50 = madd(v, b02, c50); c51 = madd(v, b12, c51);
                const b03 = v128.load(b, 96), b13 = v128.load(b, 112);
                v = v128.load32_splat(a0, 12);
                c00 = madd(v, b03, c00); c01 = madd(v, b13, c01);
                v = v128.load32_splat(a1, 12);
                c10 = madd(v, b03, c10); c11 = madd(v, b13, c11);
                v = v128.load32_splat(a2, 12);
                c20 = madd(v, b03, c20); c21 = madd(v, b13, c21);
                v = v128.load32_splat(a3, 12);
                c30 = madd(v, b03, c30); c31 = madd(v, b13, c31);
                v = v128.load32_splat(a4, 12);
                c40 = madd(v, b03, c40); c41 = madd(v, b13, c41);
                v = v128.load32_splat(a5, 12);
                c50 = madd(v, b03, c50); c51 = madd(v, b13, c51);
                a0 += 16; a1 += 16; a2 += 16; a3 += 16; a4 += 16; a5 += 16;
                b += 128;
              }
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
                v = v128.load32_splat(a4);
                c40 = madd(v, b0, c40); c41 = madd(v, b1, c41);
                v = v128.load32_splat(a5);
                c50 = madd(v, b0, c50); c51 = madd(v, b1, c51);
                a0 += 4; a1 += 4; a2 += 4; a3 += 4; a4 += 4; a5 += 4;
                b += 32;
              }
            }
          }
          const bias0 = v128.load(bias + (<usize>p << 5)), bias1 = v128.load(bias + (<usize>p << 5), 16);
          const row = (<usize>(y * outW + x0) * <usize>outC + (<usize>p << 3)) << 2;
          const step = <usize>outC << 2;
          store8(output + row, residual ? residual + row : 0, c00, c01, bias0, bias1, relu);
          if (rem > 1) store8(output + row + step, residual ? residual + row + step : 0, c10, c11, bias0, bias1, relu);
          if (rem > 2) store8(output + row + 2 * step, residual ? residual + row + 2 * step : 0, c20, c21, bias0, bias1, relu);
          if (rem > 3) store8(output + row + 3 * step, residual ? residual + row + 3 * step : 0, c30, c31, bias0, bias1, relu);
          if (rem > 4) store8(output + row + 4 * step, residual ? residual + row + 4 * step : 0, c40, c41, bias0, bias1, relu);
          if (rem > 5) store8(output + row + 5 * step, residual ? residual + row + 5 * step : 0, c50, c51, bias0, bias1, relu);
        }
        }
      }
      }
    }
  }
}

