/**
 * Receptive boxes and keypoint locations (spec §4.1–4.2), in float32 exactly as TF evaluates them.
 * Boxes are [ymin, xmin, ymax, xmax] in the input image's pixels.
 */
import { FEATURE_STRIDE, RECEPTIVE_FIELD, RECEPTIVE_PADDING } from "./constants";

const f32 = Math.fround;

/** Boxes of every cell of an h×w map at `scale`, row-major (k = i·w + j), 4 floats each. */
export function receptiveBoxes(h: number, w: number, scale: number): Float32Array {
  const s = f32(scale);
  const boxes = new Float32Array(h * w * 4);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const y0 = f32(FEATURE_STRIDE * i - RECEPTIVE_PADDING);
      const x0 = f32(FEATURE_STRIDE * j - RECEPTIVE_PADDING);
      const k = 4 * (i * w + j);
      boxes[k] = y0 / s;
      boxes[k + 1] = x0 / s;
      boxes[k + 2] = f32(y0 + (RECEPTIVE_FIELD - 1)) / s;
      boxes[k + 3] = f32(x0 + (RECEPTIVE_FIELD - 1)) / s;
    }
  return boxes; // Float32Array storage rounds each division to float32
}

/** Centre of a box: (corner + corner) / 2 in float32 → (y, x). */
export function boxCentre(box: ArrayLike<number>, at = 0): [number, number] {
  return [f32(f32(box[at] + box[at + 2]) / 2), f32(f32(box[at + 1] + box[at + 3]) / 2)];
}
