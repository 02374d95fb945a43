// Minimal-sample model estimates for RANSAC trials. Both write a row-major 3×3 matrix mapping image-1
// [x, y, 1] to image-2 homogeneous coordinates, with H[2][2] = 1, and return false for a degenerate
// sample (the trial still counts). Points: f64 structure-of-arrays srcX, srcY, dstX, dstY of length m.
// The plain-TS reference (src/match/reference.ts) repeats these formulas operation for operation.

/** |det| of the sample's src edge vectors below this fraction of their squared lengths = collinear. */
const COLLINEAR_TOLERANCE: f64 = 1e-10;
/** Smallest usable pivot of the normalised 8×8 homography system. */
const PIVOT_TOLERANCE: f64 = 1e-10;

const system = memory.data(8 * 9 * 8, 16);
const normalised = memory.data(4 * 4 * 8, 16);

/**
 * Exact affine map through 3 pairs: A = V·U⁻¹ with U, V the edge vectors from pair 0, t = q0 − A·p0.
 * Collinear or repeated src points fail (skimage's SVD would also fail or return an arbitrary fit).
 */
export function estimateAffine(points: usize, m: i32, sample: usize, out: usize): bool {
  const sx = points, sy = points + (<usize>m << 3), dx = points + (<usize>m << 4), dy = points + (<usize>m * 24);
  const i0 = <usize>load<i32>(sample) << 3, i1 = <usize>load<i32>(sample, 4) << 3, i2 = <usize>load<i32>(sample, 8) << 3;
  const x0 = load<f64>(sx + i0), y0 = load<f64>(sy + i0);
  const u1x = load<f64>(sx + i1) - x0, u1y = load<f64>(sy + i1) - y0;
  const u2x = load<f64>(sx + i2) - x0, u2y = load<f64>(sy + i2) - y0;
  const det = u1x * u2y - u1y * u2x;
  const size = u1x * u1x + u1y * u1y + u2x * u2x + u2y * u2y;
  if (!(Math.abs(det) > COLLINEAR_TOLERANCE * size)) return false;
  const X0 = load<f64>(dx + i0), Y0 = load<f64>(dy + i0);
  const v1x = load<f64>(dx + i1) - X0, v1y = load<f64>(dy + i1) - Y0;
  const v2x = load<f64>(dx + i2) - X0, v2y = load<f64>(dy + i2) - Y0;
  const a = (v1x * u2y - v2x * u1y) / det;
  const b = (v2x * u1x - v1x * u2x) / det;
  const d = (v1y * u2y - v2y * u1y) / det;
  const e = (v2y * u1x - v1y * u2x) / det;
  const c = X0 - (a * x0 + b * y0);
  const f = Y0 - (d * x0 + e * y0);
  store<f64>(out, a);
  store<f64>(out, b, 8);
  store<f64>(out, c, 16);
  store<f64>(out, d, 24);
  store<f64>(out, e, 32);
  store<f64>(out, f, 40);
  store<f64>(out, 0, 48);
  store<f64>(out, 0, 56);
  store<f64>(out, 1, 64);
  return isFinite(a) && isFinite(b) && isFinite(c) && isFinite(d) && isFinite(e) && isFinite(f);
}

/**
 * Normalises 4 points (skimage's rule: centroid to 0, rms distance to √2) into `normalised`
 * starting at column `col` (x at col, y at col + 1 of 4 rows × 4 f64). Returns the scale, 0 if all
 * points coincide; the centroid is left in cx, cy.
 */
let cx: f64 = 0;
let cy: f64 = 0;
function normalise(xs: usize, ys: usize, sample: usize, col: i32): f64 {
  let mx: f64 = 0, my: f64 = 0;
  for (let r = 0; r < 4; r++) {
    const i = <usize>load<i32>(sample + (<usize>r << 2)) << 3;
    mx += load<f64>(xs + i);
    my += load<f64>(ys + i);
  }
  mx /= 4;
  my /= 4;
  let sq: f64 = 0;
  for (let r = 0; r < 4; r++) {
    const i = <usize>load<i32>(sample + (<usize>r << 2)) << 3;
    const ux = load<f64>(xs + i) - mx, uy = load<f64>(ys + i) - my;
    sq += ux * ux + uy * uy;
  }
  const rms = Math.sqrt(sq / 4);
  if (!(rms > 0) || !isFinite(rms)) return 0;
  const scale = Math.SQRT2 / rms;
  for (let r = 0; r < 4; r++) {
    const i = <usize>load<i32>(sample + (<usize>r << 2)) << 3;
    const cell = normalised + (<usize>(r * 4 + col) << 3);
    store<f64>(cell, (load<f64>(xs + i) - mx) * scale);
    store<f64>(cell, (load<f64>(ys + i) - my) * scale, 8);
  }
  cx = mx;
  cy = my;
  return scale;
}

@inline function at(r: i32, c: i32): usize {
  return system + (<usize>(r * 9 + c) << 3);
}

/**
 * Homography through 4 pairs by the normalised DLT with h₂₂ = 1: both point sets normalised, the
 * 8×8 linear system solved by Gaussian elimination with partial pivoting (a pivot below
 * PIVOT_TOLERANCE = degenerate sample, e.g. 3 collinear points), then de-normalised and scaled so
 * H[2][2] = 1.
 */
export function estimateHomography(points: usize, m: i32, sample: usize, out: usize): bool {
  const sx = points, sy = points + (<usize>m << 3), dx = points + (<usize>m << 4), dy = points + (<usize>m * 24);
  const ss = normalise(sx, sy, sample, 0);
  const scx = cx, scy = cy;
  const ds = normalise(dx, dy, sample, 2);
  const dcx = cx, dcy = cy;
  if (ss == 0 || ds == 0) return false;
  for (let r = 0; r < 4; r++) {
    const cell = normalised + (<usize>(r * 4) << 3);
    const x = load<f64>(cell), y = load<f64>(cell, 8), X = load<f64>(cell, 16), Y = load<f64>(cell, 24);
    const rx = 2 * r, ry = 2 * r + 1;
    store<f64>(at(rx, 0), x); store<f64>(at(rx, 1), y); store<f64>(at(rx, 2), 1);
    store<f64>(at(rx, 3), 0); store<f64>(at(rx, 4), 0); store<f64>(at(rx, 5), 0);
    store<f64>(at(rx, 6), -x * X); store<f64>(at(rx, 7), -y * X); store<f64>(at(rx, 8), X);
    store<f64>(at(ry, 0), 0); store<f64>(at(ry, 1), 0); store<f64>(at(ry, 2), 0);
    store<f64>(at(ry, 3), x); store<f64>(at(ry, 4), y); store<f64>(at(ry, 5), 1);
    store<f64>(at(ry, 6), -x * Y); store<f64>(at(ry, 7), -y * Y); store<f64>(at(ry, 8), Y);
  }
  for (let col = 0; col < 8; col++) {
    let pivotRow = col;
    let pivotAbs = Math.abs(load<f64>(at(col, col)));
    for (let r = col + 1; r < 8; r++) {
      const v = Math.abs(load<f64>(at(r, col)));
      if (v > pivotAbs) {
        pivotAbs = v;
        pivotRow = r;
      }
    }
    if (!(pivotAbs > PIVOT_TOLERANCE)) return false;
    if (pivotRow != col) {
      for (let c = col; c < 9; c++) {
        const t = load<f64>(at(col, c));
        store<f64>(at(col, c), load<f64>(at(pivotRow, c)));
        store<f64>(at(pivotRow, c), t);
      }
    }
    const pivot = load<f64>(at(col, col));
    for (let r = col + 1; r < 8; r++) {
      const factor = load<f64>(at(r, col)) / pivot;
      if (factor == 0) continue;
      for (let c = col; c < 9; c++) store<f64>(at(r, c), load<f64>(at(r, c)) - factor * load<f64>(at(col, c)));
    }
  }
  for (let r = 7; r >= 0; r--) {
    let v = load<f64>(at(r, 8));
    for (let c = r + 1; c < 8; c++) v -= load<f64>(at(r, c)) * load<f64>(at(c, 8));
    store<f64>(at(r, 8), v / load<f64>(at(r, r)));
  }
  const n0 = load<f64>(at(0, 8)), n1 = load<f64>(at(1, 8)), n2 = load<f64>(at(2, 8));
  const n3 = load<f64>(at(3, 8)), n4 = load<f64>(at(4, 8)), n5 = load<f64>(at(5, 8));
  const n6 = load<f64>(at(6, 8)), n7 = load<f64>(at(7, 8));
  // H = Tdst⁻¹ · Hn · Tsrc with Tsrc = [[ss, 0, −ss·scx], [0, ss, −ss·scy], [0, 0, 1]].
  const m0 = n0 * ss, m1 = n1 * ss, m2 = n2 - n0 * ss * scx - n1 * ss * scy;
  const m3 = n3 * ss, m4 = n4 * ss, m5 = n5 - n3 * ss * scx - n4 * ss * scy;
  const m6 = n6 * ss, m7 = n7 * ss, m8 = 1 - n6 * ss * scx - n7 * ss * scy;
  // Tdst⁻¹ = [[1/ds, 0, dcx], [0, 1/ds, dcy], [0, 0, 1]].
  const h0 = m0 / ds + dcx * m6, h1 = m1 / ds + dcx * m7, h2 = m2 / ds + dcx * m8;
  const h3 = m3 / ds + dcy * m6, h4 = m4 / ds + dcy * m7, h5 = m5 / ds + dcy * m8;
  if (!(Math.abs(m8) > 1e-300)) return false;
  store<f64>(out, h0 / m8);
  store<f64>(out, h1 / m8, 8);
  store<f64>(out, h2 / m8, 16);
  store<f64>(out, h3 / m8, 24);
  store<f64>(out, h4 / m8, 32);
  store<f64>(out, h5 / m8, 40);
  store<f64>(out, m6 / m8, 48);
  store<f64>(out, m7 / m8, 56);
  store<f64>(out, 1, 64);
  for (let i = 0; i < 8; i++) if (!isFinite(load<f64>(out + (<usize>i << 3)))) return false;
  return true;
}
