import type { Pixels } from "../types";
import type { Orientation } from "./header";

/**
 * Applies EXIF orientation to stored RGB pixels (what Pillow's ImageOps.exif_transpose does):
 * 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° anticlockwise.
 */
export function applyOrientation(stored: Pixels, orientation: Orientation): Pixels {
  if (orientation === 1) return stored;
  const { width: w, height: h, data: src } = stored;
  const swap = orientation >= 5;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const [sx, sy] = storedPosition(orientation, x, y, w, h);
      const s = (sy * w + sx) * 3;
      const d = (y * outW + x) * 3;
      out[d] = src[s];
      out[d + 1] = src[s + 1];
      out[d + 2] = src[s + 2];
    }
  }
  return { width: outW, height: outH, data: out };
}

/** Where displayed pixel (x, y) comes from in the stored w×h image. */
function storedPosition(o: Orientation, x: number, y: number, w: number, h: number): [number, number] {
  switch (o) {
    case 2: return [w - 1 - x, y];
    case 3: return [w - 1 - x, h - 1 - y];
    case 4: return [x, h - 1 - y];
    case 5: return [y, x];
    case 6: return [y, h - 1 - x];
    case 7: return [w - 1 - y, h - 1 - x];
    case 8: return [w - 1 - y, x];
    default: return [x, y];
  }
}
