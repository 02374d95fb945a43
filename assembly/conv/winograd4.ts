// Winograd F(4×4, 3×3) for the stride-1 3×3 convs (SAME padding 1): each 4×4 output tile costs 36
// channel dot products instead of 144 multiply-adds per channel pair (2.25 per output, not 9).
// Interpolation points 0, ±1, ±2, ∞ (Lavin & Gray 2016):
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
// The model keeps only the raw 3×3 filters, packed for the GEMM kernel ([panel][tap][in][8]);
// storing U = G g Gᵀ would take 36/9 of them. So the engine (src/delf/conv-engine/wasm-engine.ts)
// runs, per chunk of tile rows: winograd4Input (V[ξ] = Bᵀ d B, 36 matrices [tiles][inC]), then per
// block of output channels winograd4Filter (U[ξ] of the block, small enough for L2), 36 GEMMs with
// the conv kernel (M[ξ] = V[ξ] · U[ξ]) and winograd4Output (Y = Aᵀ M A + bias, ReLU).
// The 36 matrices of V, U and M lie `plane` bytes apart; the engine makes `plane` ≡ 64 mod 4096 so
// that the 36 streams of a transform fall in 36 different L1 sets (a multiple of 4 KiB put them all
// in one set and the filter transform ran ≈ 4× slower).
// Channels run 4 at a time (v128): inC must be a multiple of 4, outC of 8. `tmp` is 640 bytes of
// scratch (the two passes of each transform meet there, instead of 36 live registers).
// The transforms use plain mul/add in both builds; only the GEMMs use relaxed_madd.

// @ts-ignore: decorator
@inline function pixel(input: usize, inH: i32, inW: i32, inC: i32, y: i32, x: i32, c: i32): v128 {
  if (y < 0 || y >= inH || x < 0 || x >= inW) return f32x4.splat(0);
  return v128.load(input + ((<usize>(y * inW + x) * <usize>inC + <usize>c) << 2));
}

/** Bᵀ d for one column d0..d5, stored at out + k·stride (k = 0..5). */
// @ts-ignore: decorator
@inline function inputColumn(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, out: usize, stride: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const s12 = f32x4.add(d1, d2), s34 = f32x4.add(d3, d4);
  const d12 = f32x4.sub(d1, d2), d43 = f32x4.sub(d4, d3);
  const e42 = f32x4.sub(d4, d2), d13 = f32x4.sub(d1, d3);
  v128.store(out, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(out + stride, f32x4.sub(s34, f32x4.mul(four, s12)));
  v128.store(out + 2 * stride, f32x4.add(d43, f32x4.mul(four, d12)));
  v128.store(out + 3 * stride, f32x4.sub(e42, f32x4.mul(two, d13)));
  v128.store(out + 4 * stride, f32x4.add(e42, f32x4.mul(two, d13)));
  v128.store(out + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/** V[ξ][t][c] for the tiles of tile rows [ty0, ty1); t counts from the chunk's first tile. */
export function winograd4Input(input: usize, inH: i32, inW: i32, inC: i32, ty0: i32, ty1: i32, v: usize, plane: usize, tmp: usize): void {
  const tilesW = (inW + 3) >> 2;
  for (let ty = ty0; ty < ty1; ty++) {
    const y0 = 4 * ty - 1;
    for (let tx = 0; tx < tilesW; tx++) {
      const x0 = 4 * tx - 1;
      const t = (ty - ty0) * tilesW + tx;
      // A tile inside the input reads its 6×6 pixels without bounds checks.
      const inside = y0 >= 0 && y0 + 5 < inH && x0 >= 0 && x0 + 5 < inW;
      const rowBytes = <usize>inW * <usize>inC << 2, colBytes = <usize>inC << 2;
      for (let c = 0; c < inC; c += 4) {
        // columns: tmp[6i + j] = (Bᵀ d)[i][j]
        if (inside) {
          let p = input + ((<usize>(y0 * inW + x0) * <usize>inC + <usize>c) << 2);
          for (let j = 0; j < 6; j++) {
            inputColumn(v128.load(p), v128.load(p + rowBytes), v128.load(p + 2 * rowBytes),
              v128.load(p + 3 * rowBytes), v128.load(p + 4 * rowBytes), v128.load(p + 5 * rowBytes),
              tmp + (<usize>j << 4), 96);
            p += colBytes;
          }
        } else for (let j = 0; j < 6; j++) {
          const x = x0 + j;
          inputColumn(
            pixel(input, inH, inW, inC, y0, x, c), pixel(input, inH, inW, inC, y0 + 1, x, c),
            pixel(input, inH, inW, inC, y0 + 2, x, c), pixel(input, inH, inW, inC, y0 + 3, x, c),
            pixel(input, inH, inW, inC, y0 + 4, x, c), pixel(input, inH, inW, inC, y0 + 5, x, c),
            tmp + (<usize>j << 4), 96);
        }
        // rows: V[6i + k] = ((Bᵀ d) B)[i][k]
        const out = v + ((<usize>t * <usize>inC + <usize>c) << 2);
        for (let i = 0; i < 6; i++) {
          const r = tmp + <usize>i * 96;
          inputColumn(v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), v128.load(r, 64), v128.load(r, 80),
            out + <usize>(6 * i) * plane, plane);
        }
      }
    }
  }
}

/** G g for one column g0..g2, stored at out + k·stride (k = 0..5). */
// @ts-ignore: decorator
@inline function filterColumn(g0: v128, g1: v128, g2: v128, out: usize, stride: usize): void {
  const sum = f32x4.add(g0, g2);
  const a = f32x4.mul(f32x4.splat(1.0 / 24), g0), b = f32x4.mul(f32x4.splat(1.0 / 12), g1), c = f32x4.mul(f32x4.splat(1.0 / 6), g2);
  const sixth = f32x4.splat(-1.0 / 6);
  v128.store(out, f32x4.mul(f32x4.splat(0.25), g0));
  v128.store(out + stride, f32x4.mul(sixth, f32x4.add(sum, g1)));
  v128.store(out + 2 * stride, f32x4.mul(sixth, f32x4.sub(sum, g1)));
  v128.store(out + 3 * stride, f32x4.add(f32x4.add(a, b), c));
  v128.store(out + 4 * stride, f32x4.add(f32x4.sub(a, b), c));
  v128.store(out + 5 * stride, g2);
}

/**
 * U[ξ] = (G g Gᵀ)[ξ] of the output panels [p0, p0 + count), from the GEMM-packed raw filters
 * ([panel][tap][in][8], tap = 3·dy + dx), written as 36 packed matrices [count][inC][8] at
 * u + ξ·plane: each is a B operand of the conv kernel with outC = 8·count.
 */
export function winograd4Filter(packed: usize, inC: i32, p0: i32, count: i32, u: usize, plane: usize, tmp: usize): void {
  const tapBytes = <usize>inC << 5;
  for (let p = 0; p < count; p++) {
    const panel = packed + <usize>(p0 + p) * 9 * tapBytes;
    for (let c = 0; c < inC; c++) {
      for (let h = 0; h < 2; h++) {
        const g = panel + (<usize>c << 5) + (<usize>h << 4);
        // columns: tmp[3i + dx] = (G g)[i][dx]
        for (let dx = 0; dx < 3; dx++)
          filterColumn(v128.load(g + <usize>dx * tapBytes), v128.load(g + <usize>(3 + dx) * tapBytes), v128.load(g + <usize>(6 + dx) * tapBytes),
            tmp + (<usize>dx << 4), 48);
        // rows: U[6i + k] = ((G g) Gᵀ)[i][k]
        const out = u + ((<usize>(p * inC + c)) << 5) + (<usize>h << 4);
        for (let i = 0; i < 6; i++) {
          const r = tmp + <usize>i * 48;
          filterColumn(v128.load(r), v128.load(r, 16), v128.load(r, 32), out + <usize>(6 * i) * plane, plane);
        }
      }
    }
  }
}

/** Aᵀ m for one column m0..m5, stored at out + k·stride (k = 0..3). */
// @ts-ignore: decorator
@inline function outputColumn(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, out: usize, stride: usize): void {
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
  v128.store(out, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(out + stride, f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34)));
  v128.store(out + 2 * stride, f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34)));
  v128.store(out + 3 * stride, f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), m5));
}

/**
 * Y = Aᵀ M A + bias (ReLU when relu ≠ 0) for tile rows [ty0, ty1) and the output channels
 * [o0, o0 + mC): M[ξ][t][mC] as written by the GEMMs of one channel block.
 */
export function winograd4Output(m: usize, mC: i32, plane: usize, outH: i32, outW: i32, outC: i32, o0: i32, ty0: i32, ty1: i32, bias: usize, relu: i32, output: usize, tmp: usize): void {
  const tilesW = (outW + 3) >> 2;
  const zero = f32x4.splat(0);
  const rowBytes = <usize>outW * <usize>outC << 2;
  const colBytes = <usize>outC << 2;
  for (let ty = ty0; ty < ty1; ty++) {
    const y = 4 * ty;
    const rows = min(4, outH - y);
    for (let tx = 0; tx < tilesW; tx++) {
      const x = 4 * tx;
      const cols = min(4, outW - x);
      const t = (ty - ty0) * tilesW + tx;
      for (let o = 0; o < mC; o += 4) {
        // columns: tmp[6i + j] = (Aᵀ M)[i][j]
        const at = m + ((<usize>t * <usize>mC + <usize>o) << 2);
        for (let j = 0; j < 6; j++) {
          const col = at + <usize>j * plane;
          outputColumn(v128.load(col), v128.load(col + 6 * plane), v128.load(col + 12 * plane),
            v128.load(col + 18 * plane), v128.load(col + 24 * plane), v128.load(col + 30 * plane),
            tmp + (<usize>j << 4), 96);
        }
        // rows: Y[i][k] = ((Aᵀ M) A)[i][k], in tmp[24 + 4i + k]
        for (let i = 0; i < 4; i++) {
          const r = tmp + <usize>i * 96;
          outputColumn(v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), v128.load(r, 64), v128.load(r, 80),
            tmp + 384 + (<usize>i << 6), 16);
        }
        const b = v128.load(bias + (<usize>(o0 + o) << 2));
        const base = output + ((<usize>(y * outW + x) * <usize>outC + <usize>(o0 + o)) << 2);
        if (rows == 4 && cols == 4) {
          // a whole tile: 16 stores without per-pixel bounds
          for (let i = 0; i < 4; i++) {
            const r = tmp + 384 + (<usize>i << 6), row = base + <usize>i * rowBytes;
            let r0 = f32x4.add(v128.load(r), b), r1 = f32x4.add(v128.load(r, 16), b);
            let r2 = f32x4.add(v128.load(r, 32), b), r3 = f32x4.add(v128.load(r, 48), b);
            if (relu) {
              r0 = f32x4.max(r0, zero); r1 = f32x4.max(r1, zero);
              r2 = f32x4.max(r2, zero); r3 = f32x4.max(r3, zero);
            }
            v128.store(row, r0); v128.store(row + colBytes, r1);
            v128.store(row + 2 * colBytes, r2); v128.store(row + 3 * colBytes, r3);
          }
          continue;
        }
        for (let i = 0; i < rows; i++) {
          for (let k = 0; k < cols; k++) {
            let r = f32x4.add(v128.load(tmp + 384 + (<usize>(4 * i + k) << 4)), b);
            if (relu) r = f32x4.max(r, zero);
            v128.store(base + <usize>i * rowBytes + <usize>k * colBytes, r);
          }
        }
      }
    }
  }
}
