/**
 * Deterministic textured test images, generated in code so the same bytes exist in Node and
 * inside workerd (no file system there). A "scene" of coloured blobs and bars on a gradient;
 * `crop` cuts a window from it, so two crops of one scene are two views related by a translation.
 */
import type { Pixels } from "../../src/types";
import { mulberry32 } from "./prng";

export function scene(width: number, height: number, seed = 7): Pixels {
  const rand = mulberry32(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = 128;
    }
  const shapes = Math.round((width * height) / 900);
  for (let s = 0; s < shapes; s++) {
    const cx = rand() * width, cy = rand() * height, r = 4 + rand() * 22;
    const colour = [rand() * 255, rand() * 255, rand() * 255];
    const bar = rand() < 0.4;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, cy + r); y++)
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, cx + r); x++) {
        const inside = bar ? Math.abs(y - cy) < r / 4 : (x - cx) ** 2 + (y - cy) ** 2 < r * r;
        if (!inside) continue;
        const i = 3 * (y * width + x);
        data[i] = colour[0];
        data[i + 1] = colour[1];
        data[i + 2] = colour[2];
      }
  }
  return { width, height, data };
}

export function crop(p: Pixels, x0: number, y0: number, width: number, height: number): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(p.data.subarray(3 * ((y + y0) * p.width + x0), 3 * ((y + y0) * p.width + x0 + width)), 3 * y * width);
  return { width, height, data };
}

/** RGB → RGBA (opaque) for encoders that take ImageData-like input. */
export function toRgba(p: Pixels): { width: number; height: number; data: Uint8ClampedArray } {
  const data = new Uint8ClampedArray(p.width * p.height * 4);
  for (let i = 0, j = 0; i < p.data.length; i += 3, j += 4) {
    data[j] = p.data[i];
    data[j + 1] = p.data[i + 1];
    data[j + 2] = p.data[i + 2];
    data[j + 3] = 255;
  }
  return { width: p.width, height: p.height, data };
}
