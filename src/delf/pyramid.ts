/** Image-pyramid sizes (spec §2.2): round_half_even(float32(H) · float32(s)). */
const f32 = Math.fround;

/** Round half to even (TF's tf.round; JS Math.round rounds halves up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round(k + 0.5) = k + 1; for an exact half pick the even neighbour.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Side of a pyramid level: product in float32, then banker's rounding. */
export function scaledSide(side: number, scale: number): number {
  return roundHalfEven(f32(f32(side) * f32(scale)));
}

export interface PyramidLevel {
  /** Position in the caller's scale list (the concatenation order). */
  index: number;
  /** float32 value of the scale. */
  scale: number;
  height: number;
  width: number;
}

/** Levels with a non-empty size, in the caller's order (zero-sized levels are skipped, §2.3). */
export function pyramidLevels(height: number, width: number, scales: readonly number[]): PyramidLevel[] {
  const levels: PyramidLevel[] = [];
  scales.forEach((s, index) => {
    const h = scaledSide(height, s);
    const w = scaledSide(width, s);
    if (h > 0 && w > 0) levels.push({ index, scale: f32(s), height: h, width: w });
  });
  return levels;
}

/** Side of the block3 feature map for a level side n (five ceil-halvings, §3.1). */
export function featureSide(n: number): number {
  for (let i = 0; i < 5; i++) n = Math.ceil(n / 2);
  return n;
}
