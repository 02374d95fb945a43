/** 2-D affine maps as 2×3 row-major [[a,b,c],[d,e,f]]: (x, y) → (a·x + b·y + c, d·x + e·y + f). */
export type Affine2x3 = [[number, number, number], [number, number, number]];

export const IDENTITY_AFFINE: Affine2x3 = [
  [1, 0, 0],
  [0, 1, 0],
];

/** Recovers the affine map of a point function from three probe points. */
export function affineFromPointMap(map: (x: number, y: number) => [number, number]): Affine2x3 {
  const [cx, cy] = map(0, 0);
  const [ax, ay] = map(1, 0);
  const [bx, by] = map(0, 1);
  return [
    [ax - cx, bx - cx, cx],
    [ay - cy, by - cy, cy],
  ];
}

export function applyAffine(m: Affine2x3, x: number, y: number): [number, number] {
  return [m[0][0] * x + m[0][1] * y + m[0][2], m[1][0] * x + m[1][1] * y + m[1][2]];
}

export function toHomogeneous(m: Affine2x3): number[][] {
  return [[...m[0]], [...m[1]], [0, 0, 1]];
}

export function invertAffine(m: Affine2x3): Affine2x3 {
  const [[a, b, c], [d, e, f]] = m;
  const det = a * e - b * d;
  if (det === 0 || !Number.isFinite(det)) throw new RangeError("affine map is not invertible");
  return [
    [e / det, -b / det, (b * f - c * e) / det],
    [-d / det, a / det, (c * d - a * f) / det],
  ];
}

/** 3×3 product a·b. */
export function multiply3x3(a: number[][], b: number[][]): number[][] {
  return a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j]));
}
