import type { Pixels } from "../types";

/**
 * Pillow's Lanczos resampler (libImaging/Resample.c, 8 bits per channel), ported operation for
 * operation so `ImageOps.fit(img, (256, 256), LANCZOS)` is reproduced bit for bit, including its
 * fractional crop box (which no wasm resizer available here accepts):
 * - coefficients in float64 from a float32 box (Pillow's `float box[4]`), normalised to sum 1, then
 *   rounded half away from zero to fixed point with 22 fractional bits;
 * - a horizontal pass over only the rows the vertical pass needs, each output clipped to 0..255,
 *   then a vertical pass; a pass is skipped when its axis needs no resampling.
 */

/** Output region of the input, in input pixel-edge coordinates (pixel i spans [i, i + 1)). */
export interface ResampleBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const LANCZOS_SUPPORT = 3;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

interface Coefficients {
  /** Taps per output sample (row stride of `weights`). */
  ksize: number;
  /** Per output sample: first input index and number of taps. */
  first: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, outSize × ksize. */
  weights: Int32Array;
}

/** precompute_coeffs() + normalize_coeffs_8bpc(). */
function coefficients(inSize: number, box0: number, box1: number, outSize: number): Coefficients {
  const in0 = Math.fround(box0);
  const in1 = Math.fround(box1);
  const scale = Math.fround(in1 - in0) / outSize; // float subtraction, double division, as in C
  const filterScale = scale < 1 ? 1 : scale;
  const support = LANCZOS_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = lanczos((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, first, count, weights };
}

function clip8(v: number): number {
  if (v >= ONE << 8) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** Resamples rows [rowOffset, rowOffset + outHeight) of `src` horizontally to `c.first.length` columns. */
function horizontal(src: Pixels, rowOffset: number, outHeight: number, c: Coefficients): Pixels {
  const outWidth = c.first.length;
  const out = new Uint8Array(outWidth * outHeight * 3);
  const s = src.data;
  for (let yy = 0; yy < outHeight; yy++) {
    const row = (yy + rowOffset) * src.width * 3;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = c.first[xx];
      const n = c.count[xx];
      const kOff = xx * c.ksize;
      let r = HALF, g = HALF, b = HALF;
      for (let x = 0; x < n; x++) {
        const w = c.weights[kOff + x];
        const p = row + (x + xmin) * 3;
        r += s[p] * w;
        g += s[p + 1] * w;
        b += s[p + 2] * w;
      }
      const o = (yy * outWidth + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}

/** Resamples `src` vertically to `c.first.length` rows; `c.first` is relative to src's first row. */
function vertical(src: Pixels, c: Coefficients): Pixels {
  const outHeight = c.first.length;
  const width = src.width;
  const out = new Uint8Array(width * outHeight * 3);
  const s = src.data;
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = c.first[yy];
    const n = c.count[yy];
    const kOff = yy * c.ksize;
    for (let xx = 0; xx < width; xx++) {
      let r = HALF, g = HALF, b = HALF;
      for (let y = 0; y < n; y++) {
        const w = c.weights[kOff + y];
        const p = ((y + ymin) * width + xx) * 3;
        r += s[p] * w;
        g += s[p + 1] * w;
        b += s[p + 2] * w;
      }
      const o = (yy * width + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width, height: outHeight, data: out };
}

/** Pillow's `image.resize((outWidth, outHeight), Image.LANCZOS, box=(x0, y0, x1, y1))` for RGB. */
export function resampleLanczos(src: Pixels, outWidth: number, outHeight: number, box: ResampleBox): Pixels {
  const fullBox = box.x0 === 0 && box.y0 === 0 && box.x1 === src.width && box.y1 === src.height;
  if (fullBox && outWidth === src.width && outHeight === src.height) {
    return { width: src.width, height: src.height, data: src.data.slice() }; // Image.resize returns a copy
  }
  // ImagingResampleInner's tests compare the float box with the *output* size, as Pillow does.
  const needHorizontal = outWidth !== src.width || box.x0 !== 0 || box.x1 !== outWidth;
  const needVertical = outHeight !== src.height || box.y0 !== 0 || box.y1 !== outHeight;
  const horiz = coefficients(src.width, box.x0, box.x1, outWidth);
  const vert = coefficients(src.height, box.y0, box.y1, outHeight);
  let current = src;
  if (needHorizontal) {
    // Only the source rows the vertical pass reads.
    const firstRow = vert.first[0];
    const lastRow = vert.first[outHeight - 1] + vert.count[outHeight - 1];
    for (let i = 0; i < outHeight; i++) vert.first[i] -= firstRow;
    current = horizontal(src, firstRow, lastRow - firstRow, horiz);
  }
  if (needVertical) current = vertical(current, vert);
  return current === src ? { ...src, data: src.data.slice() } : current;
}
