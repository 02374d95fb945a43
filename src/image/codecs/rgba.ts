import type { Pixels } from "../../types";

/**
 * Drops alpha like Pillow's convert("RGB") (no compositing onto a background), compacting the
 * RGBA bytes to RGB in place so no second full-size buffer is allocated. The returned pixels are
 * a view over the first 3/4 of `rgba`'s buffer.
 */
export function rgbaToRgbInPlace(rgba: Uint8Array, width: number, height: number): Pixels {
  const n = width * height;
  for (let i = 0; i < n; i++) {
    const s = 4 * i;
    const d = 3 * i;
    rgba[d] = rgba[s];
    rgba[d + 1] = rgba[s + 1];
    rgba[d + 2] = rgba[s + 2];
  }
  return { width, height, data: rgba.subarray(0, 3 * n) };
}
