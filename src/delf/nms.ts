/**
 * Non-maximum suppression with tf.image.non_max_suppression's CPU-kernel semantics (spec §4.4):
 * visit boxes by descending score (ties: lower index first), drop a box iff its IoU with an
 * already selected box is strictly greater than the threshold, stop after `maxOutput`.
 */
const f32 = Math.fround;

/** IoU of boxes a and b ([ymin, xmin, ymax, xmax], 4 floats each) in float32, as TF computes it. */
export function boxIou(boxes: Float32Array, a: number, b: number): number {
  const [ay0, ax0, ay1, ax1] = [boxes[4 * a], boxes[4 * a + 1], boxes[4 * a + 2], boxes[4 * a + 3]];
  const [by0, bx0, by1, bx1] = [boxes[4 * b], boxes[4 * b + 1], boxes[4 * b + 2], boxes[4 * b + 3]];
  const aymin = Math.min(ay0, ay1), axmin = Math.min(ax0, ax1), aymax = Math.max(ay0, ay1), axmax = Math.max(ax0, ax1);
  const bymin = Math.min(by0, by1), bxmin = Math.min(bx0, bx1), bymax = Math.max(by0, by1), bxmax = Math.max(bx0, bx1);
  const areaA = f32(f32(aymax - aymin) * f32(axmax - axmin));
  const areaB = f32(f32(bymax - bymin) * f32(bxmax - bxmin));
  if (areaA <= 0 || areaB <= 0) return 0;
  const ih = Math.max(f32(Math.min(aymax, bymax) - Math.max(aymin, bymin)), 0);
  const iw = Math.max(f32(Math.min(axmax, bxmax) - Math.max(axmin, bxmin)), 0);
  const inter = f32(ih * iw);
  return f32(inter / f32(f32(areaA + areaB) - inter));
}

/** Indices in descending score order, ties to the lower index (a stable sort). */
export function orderByScore(scores: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => scores[b] - scores[a] || a - b);
}

/** Selected indices in selection order. With iouThreshold >= 1 nothing can be suppressed. */
export function nonMaxSuppression(
  boxes: Float32Array,
  scores: ArrayLike<number>,
  maxOutput: number,
  iouThreshold: number,
): number[] {
  const limit = Math.min(maxOutput, scores.length);
  const selected: number[] = [];
  if (limit <= 0) return selected;
  for (const candidate of orderByScore(scores)) {
    if (iouThreshold < 1 && selected.some((s) => boxIou(boxes, candidate, s) > iouThreshold)) continue;
    selected.push(candidate);
    if (selected.length === limit) break;
  }
  return selected;
}
