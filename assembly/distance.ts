// Squared Euclidean distances between two blocks of row-major f32 vectors, with f32x4 SIMD.

/** Dot-free squared distance of two `dim`-long f32 vectors at `a` and `b`. */
@inline
export function squaredDistance(a: usize, b: usize, dim: i32): f32 {
  let acc = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= dim; k += 4) {
    const d = f32x4.sub(v128.load(a + (<usize>k << 2)), v128.load(b + (<usize>k << 2)));
    acc = f32x4.add(acc, f32x4.mul(d, d));
  }
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
            f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; k < dim; k++) {
    const d = load<f32>(a + (<usize>k << 2)) - load<f32>(b + (<usize>k << 2));
    sum += d * d;
  }
  return sum;
}

/**
 * out[i * nb + j] = |a_i - b_j|^2 for `na` rows at `a` and `nb` rows at `b`, each `dim` floats.
 */
export function squaredDistanceBlock(a: usize, na: i32, b: usize, nb: i32, dim: i32, out: usize): void {
  const rowBytes = <usize>dim << 2;
  for (let i = 0; i < na; i++) {
    const ai = a + <usize>i * rowBytes;
    const outRow = out + ((<usize>i * <usize>nb) << 2);
    for (let j = 0; j < nb; j++) {
      store<f32>(outRow + (<usize>j << 2), squaredDistance(ai, b + <usize>j * rowBytes, dim));
    }
  }
}
