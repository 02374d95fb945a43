// Winograd F(2×2, 3×3) for the stride-1 3×3 convs (SAME padding 1): each 2×2 output tile costs
// 16 channel dot products instead of 36 multiply-adds per channel pair. The engine runs, per chunk
// of tile rows: winogradInput (V[ξ] = Bᵀ d B as 16 matrices [tiles][inC]), 16 GEMMs with the conv
// kernel (M[ξ] = V[ξ] · U[ξ], U packed once at load), winogradOutput (Y = Aᵀ M A + bias, ReLU).
// Channels run 4 at a time (v128): inC and outC must be multiples of 4.
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]

// @ts-ignore: decorator
@inline function pixel(input: usize, inH: i32, inW: i32, inC: i32, y: i32, x: i32, c: i32): v128 {
  if (y < 0 || y >= inH || x < 0 || x >= inW) return f32x4.splat(0);
  return v128.load(input + ((<usize>(y * inW + x) * <usize>inC + <usize>c) << 2));
}

/** V[ξ][t][c] for the tiles of tile rows [ty0, ty1); t counts from the chunk's first tile. */
export function winogradInput(input: usize, inH: i32, inW: i32, inC: i32, ty0: i32, ty1: i32, v: usize): void {
  const tilesW = (inW + 1) >> 1;
  const tiles = (ty1 - ty0) * tilesW;
  const plane = <usize>tiles * <usize>inC << 2; // bytes of one V[ξ]
  for (let ty = ty0; ty < ty1; ty++) {
    const y0 = 2 * ty - 1;
    for (let tx = 0; tx < tilesW; tx++) {
      const x0 = 2 * tx - 1;
      const t = (ty - ty0) * tilesW + tx;
      for (let c = 0; c < inC; c += 4) {
        // rows r of d, each column-transformed: (d0 − d2, d1 + d2, d2 − d1, d1 − d3) = d·B per row
        let out = v + ((<usize>t * <usize>inC + <usize>c) << 2);
        // Bᵀ over rows: combine row-transformed rows 0..3
        const r00 = pixel(input, inH, inW, inC, y0, x0, c), r01 = pixel(input, inH, inW, inC, y0, x0 + 1, c);
        const r02 = pixel(input, inH, inW, inC, y0, x0 + 2, c), r03 = pixel(input, inH, inW, inC, y0, x0 + 3, c);
        const r10 = pixel(input, inH, inW, inC, y0 + 1, x0, c), r11 = pixel(input, inH, inW, inC, y0 + 1, x0 + 1, c);
        const r12 = pixel(input, inH, inW, inC, y0 + 1, x0 + 2, c), r13 = pixel(input, inH, inW, inC, y0 + 1, x0 + 3, c);
        const r20 = pixel(input, inH, inW, inC, y0 + 2, x0, c), r21 = pixel(input, inH, inW, inC, y0 + 2, x0 + 1, c);
        const r22 = pixel(input, inH, inW, inC, y0 + 2, x0 + 2, c), r23 = pixel(input, inH, inW, inC, y0 + 2, x0 + 3, c);
        const r30 = pixel(input, inH, inW, inC, y0 + 3, x0, c), r31 = pixel(input, inH, inW, inC, y0 + 3, x0 + 1, c);
        const r32 = pixel(input, inH, inW, inC, y0 + 3, x0 + 2, c), r33 = pixel(input, inH, inW, inC, y0 + 3, x0 + 3, c);
        // Bᵀ d: rows (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
        const a0 = f32x4.sub(r00, r20), a1 = f32x4.sub(r01, r21), a2 = f32x4.sub(r02, r22), a3 = f32x4.sub(r03, r23);
        const b0 = f32x4.add(r10, r20), b1 = f32x4.add(r11, r21), b2 = f32x4.add(r12, r22), b3 = f32x4.add(r13, r23);
        const e0 = f32x4.sub(r20, r10), e1 = f32x4.sub(r21, r11), e2 = f32x4.sub(r22, r12), e3 = f32x4.sub(r23, r13);
        const g0 = f32x4.sub(r10, r30), g1 = f32x4.sub(r11, r31), g2 = f32x4.sub(r12, r32), g3 = f32x4.sub(r13, r33);
        // (Bᵀ d) B: columns the same way; ξ = 4·row + column
        v128.store(out, f32x4.sub(a0, a2)); out += plane;
        v128.store(out, f32x4.add(a1, a2)); out += plane;
        v128.store(out, f32x4.sub(a2, a1)); out += plane;
        v128.store(out, f32x4.sub(a1, a3)); out += plane;
        v128.store(out, f32x4.sub(b0, b2)); out += plane;
        v128.store(out, f32x4.add(b1, b2)); out += plane;
        v128.store(out, f32x4.sub(b2, b1)); out += plane;
        v128.store(out, f32x4.sub(b1, b3)); out += plane;
        v128.store(out, f32x4.sub(e0, e2)); out += plane;
        v128.store(out, f32x4.add(e1, e2)); out += plane;
        v128.store(out, f32x4.sub(e2, e1)); out += plane;
        v128.store(out, f32x4.sub(e1, e3)); out += plane;
        v128.store(out, f32x4.sub(g0, g2)); out += plane;
        v128.store(out, f32x4.add(g1, g2)); out += plane;
        v128.store(out, f32x4.sub(g2, g1)); out += plane;
        v128.store(out, f32x4.sub(g1, g3));
      }
    }
  }
}

/** Y = Aᵀ M A + bias (ReLU when relu ≠ 0) for tile rows [ty0, ty1); M[ξ][t][o] as written by the GEMMs. */
export function winogradOutput(m: usize, outH: i32, outW: i32, outC: i32, ty0: i32, ty1: i32, bias: usize, relu: i32, output: usize): void {
  const tilesW = (outW + 1) >> 1;
  const tiles = (ty1 - ty0) * tilesW;
  const plane = <usize>tiles * <usize>outC << 2;
  const zero = f32x4.splat(0);
  for (let ty = ty0; ty < ty1; ty++) {
    const y = 2 * ty;
    for (let tx = 0; tx < tilesW; tx++) {
      const x = 2 * tx;
      const t = (ty - ty0) * tilesW + tx;
      for (let o = 0; o < outC; o += 4) {
        let at = m + ((<usize>t * <usize>outC + <usize>o) << 2);
        const m00 = v128.load(at), m01 = v128.load(at + plane), m02 = v128.load(at + 2 * plane), m03 = v128.load(at + 3 * plane);
        at += 4 * plane;
        const m10 = v128.load(at), m11 = v128.load(at + plane), m12 = v128.load(at + 2 * plane), m13 = v128.load(at + 3 * plane);
        at += 4 * plane;
        const m20 = v128.load(at), m21 = v128.load(at + plane), m22 = v128.load(at + 2 * plane), m23 = v128.load(at + 3 * plane);
        at += 4 * plane;
        const m30 = v128.load(at), m31 = v128.load(at + plane), m32 = v128.load(at + 2 * plane), m33 = v128.load(at + 3 * plane);
        // Aᵀ M: rows (m0 + m1 + m2, m1 − m2 − m3)
        const p0 = f32x4.add(f32x4.add(m00, m10), m20), p1 = f32x4.add(f32x4.add(m01, m11), m21);
        const p2 = f32x4.add(f32x4.add(m02, m12), m22), p3 = f32x4.add(f32x4.add(m03, m13), m23);
        const q0 = f32x4.sub(f32x4.sub(m10, m20), m30), q1 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const q2 = f32x4.sub(f32x4.sub(m12, m22), m32), q3 = f32x4.sub(f32x4.sub(m13, m23), m33);
        const b = v128.load(bias + (<usize>o << 2));
        let y00 = f32x4.add(f32x4.add(f32x4.add(p0, p1), p2), b);
        let y01 = f32x4.add(f32x4.sub(f32x4.sub(p1, p2), p3), b);
        let y10 = f32x4.add(f32x4.add(f32x4.add(q0, q1), q2), b);
        let y11 = f32x4.add(f32x4.sub(f32x4.sub(q1, q2), q3), b);
        if (relu) {
          y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero);
          y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero);
        }
        const base = output + ((<usize>(y * outW + x) * <usize>outC + <usize>o) << 2);
        const rowBytes = <usize>outW * <usize>outC << 2;
        const colBytes = <usize>outC << 2;
        v128.store(base, y00);
        if (x + 1 < outW) v128.store(base + colBytes, y01);
        if (y + 1 < outH) {
          v128.store(base + rowBytes, y10);
          if (x + 1 < outW) v128.store(base + rowBytes + colBytes, y11);
        }
      }
    }
  }
}
