/**
 * Large test photos made from small ones (Node and workerd alike: pure TS): bilinear upscaling to
 * phone-camera sizes, optional deterministic grain so the encoded file is photo-sized, and the box
 * downscale that is the reference for the reduced decode (src/image/scaled).
 */
import type { Pixels } from "../../src/types";
import { mulberry32 } from "./prng";

/** Bilinear upscale of RGB `src` to width×height, as RGBA (what the @jsquash encoders take); `grain` adds ±grain noise. */
export function upscaleToRgba(src: Pixels, width: number, height: number, grain = 0, seed = 1): { width: number; height: number; data: Uint8ClampedArray } {
  const out = new Uint8ClampedArray(width * height * 4);
  const random = mulberry32(seed);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(src.height - 1, Math.floor(fy));
    const y1 = Math.min(src.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(src.width - 1, Math.floor(fx));
      const x1 = Math.min(src.width - 1, x0 + 1);
      const wx = fx - x0;
      const o = (y * width + x) * 4;
      const noise = grain > 0 ? Math.round((random() * 2 - 1) * grain) : 0;
      for (let c = 0; c < 3; c++) {
        const a = src.data[(y0 * src.width + x0) * 3 + c] * (1 - wx) + src.data[(y0 * src.width + x1) * 3 + c] * wx;
        const b = src.data[(y1 * src.width + x0) * 3 + c] * (1 - wx) + src.data[(y1 * src.width + x1) * 3 + c] * wx;
        out[o + c] = a * (1 - wy) + b * wy + noise;
      }
      out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/** RGBA → RGB pixels. */
export function rgbaToPixels(image: { width: number; height: number; data: ArrayLike<number> }): Pixels {
  const n = image.width * image.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    data[3 * i] = image.data[4 * i];
    data[3 * i + 1] = image.data[4 * i + 1];
    data[3 * i + 2] = image.data[4 * i + 2];
  }
  return { width: image.width, height: image.height, data };
}

/** Rounded mean of each denom×denom block (partial blocks at the right/bottom edges): ceil(W/d) × ceil(H/d). */
export function boxDownscale(src: Pixels, denom: number): Pixels {
  const width = Math.ceil(src.width / denom);
  const height = Math.ceil(src.height / denom);
  const data = new Uint8Array(width * height * 3);
  for (let Y = 0; Y < height; Y++)
    for (let X = 0; X < width; X++) {
      const rows = Math.min(denom, src.height - Y * denom);
      const cols = Math.min(denom, src.width - X * denom);
      const n = rows * cols;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) sum += src.data[((Y * denom + y) * src.width + X * denom + x) * 3 + c];
        data[(Y * width + X) * 3 + c] = Math.floor((sum + (n >> 1)) / n);
      }
    }
  return { width, height, data };
}
