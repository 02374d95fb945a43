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

/** Copies a rectangle of RGB pixels into a new RGBA buffer (alpha 255), the resizer's input format. */
export function rgbRectToRgba(pixels: Pixels, x: number, y: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  const src = pixels.data;
  for (let row = 0; row < height; row++) {
    let s = ((y + row) * pixels.width + x) * 3;
    let d = row * width * 4;
    for (let col = 0; col < width; col++, s += 3, d += 4) {
      out[d] = src[s];
      out[d + 1] = src[s + 1];
      out[d + 2] = src[s + 2];
      out[d + 3] = 255;
    }
  }
  return out;
}
