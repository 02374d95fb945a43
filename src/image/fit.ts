import type { WasmModules } from "../runtime/wasm-modules";
import type { Pixels } from "../types";
import { resizeRgbaLanczos3 } from "./codecs/resize";
import { rgbRectToRgba, rgbaToRgbInPlace } from "./codecs/rgba";

/**
 * How the decoded image becomes DELF's input:
 * - `256`: the tutorial's Pillow `ImageOps.fit(img, (256, 256), LANCZOS)`: centre crop to a square, Lanczos3 to 256×256;
 * - `"none"`: unchanged;
 * - `{ maxSide }`: Lanczos3 downscale so the longer side is `maxSide` (aspect kept, never upscaled).
 */
export type Fit = 256 | "none" | { maxSide: number };

export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FitDescription {
  fit: Fit;
  /** Processed image size. */
  width: number;
  height: number;
  /** The region of the original image that was resampled, in original pixels (integers). */
  crop: CropBox;
  /** Original pixels per processed pixel along the longer processed side (exact per axis: crop.width/width, crop.height/height). */
  scale: number;
}

export interface FittedImage {
  pixels: Pixels;
  /**
   * Processed → original pixel coordinates. Convention: integer coordinates are pixel CENTRES
   * (pixel i spans [i − 0.5, i + 0.5]), the one DELF's locations use (a feature at 32·i) and the one
   * the resampler uses (output centre j + 0.5 samples input j·s + s/2 in edge coordinates). So
   *   X = crop.x + (x + 0.5) · crop.width / width − 0.5   (same for Y),
   * the exact inverse of the geometry applied.
   */
  toOriginal(x: number, y: number): [number, number];
  description: FitDescription;
}

/** The tutorial's output side. */
const TUTORIAL_SIDE = 256;

/**
 * Pillow's ImageOps.fit crop box for a square output with centering (0.5, 0.5) and bleed 0:
 * side = min(W, H), left = (W − side) · 0.5, top = (H − side) · 0.5, as floats. squoosh_resize takes
 * whole pixels, so when W − H is odd we floor the half-pixel offset: our box sits 0.5 px left of (or
 * above) Pillow's, a sub-pixel difference documented in docs/images.md.
 */
export function centreSquareCrop(width: number, height: number): CropBox {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), width: side, height: side };
}

/** Output size for `{ maxSide }`: the longer side becomes maxSide, the other is rounded to keep aspect. */
export function maxSideSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const longer = Math.max(width, height);
  if (longer <= maxSide) return { width, height };
  const factor = maxSide / longer;
  return {
    width: width >= height ? maxSide : Math.max(1, Math.round(width * factor)),
    height: height >= width ? maxSide : Math.max(1, Math.round(height * factor)),
  };
}

function describeFit(fit: Fit): string {
  return typeof fit === "object" ? `{maxSide:${fit.maxSide}}` : String(fit);
}

/** Crops `crop` out of `pixels` and resamples it to outWidth×outHeight (a plain copy when sizes match). */
function cropAndResize(pixels: Pixels, crop: CropBox, outWidth: number, outHeight: number, modules: WasmModules): Pixels {
  const full = crop.x === 0 && crop.y === 0 && crop.width === pixels.width && crop.height === pixels.height;
  if (crop.width === outWidth && crop.height === outHeight) {
    if (full) return pixels;
    // Lanczos at scale 1 samples integer offsets where the kernel is 0 except at the centre: a copy.
    return rgbaToRgbInPlace(rgbRectToRgba(pixels, crop.x, crop.y, crop.width, crop.height), outWidth, outHeight);
  }
  const rgba = rgbRectToRgba(pixels, crop.x, crop.y, crop.width, crop.height);
  const resized = resizeRgbaLanczos3(modules.resize, rgba, crop.width, crop.height, outWidth, outHeight);
  return rgbaToRgbInPlace(resized, outWidth, outHeight);
}

export async function fitImage(pixels: Pixels, fit: Fit, modules: WasmModules): Promise<FittedImage> {
  let crop: CropBox;
  let width: number;
  let height: number;
  if (fit === TUTORIAL_SIDE) {
    crop = centreSquareCrop(pixels.width, pixels.height);
    width = height = TUTORIAL_SIDE;
  } else if (fit === "none") {
    crop = { x: 0, y: 0, width: pixels.width, height: pixels.height };
    ({ width, height } = pixels);
  } else if (typeof fit === "object" && fit !== null && Number.isInteger(fit.maxSide) && fit.maxSide >= 1) {
    crop = { x: 0, y: 0, width: pixels.width, height: pixels.height };
    ({ width, height } = maxSideSize(pixels.width, pixels.height, fit.maxSide));
  } else {
    // Options are validated at the HTTP edge; reaching this is a programming error.
    throw new RangeError(`invalid fit ${describeFit(fit)}`);
  }
  const out = cropAndResize(pixels, crop, width, height, modules);
  const sx = crop.width / width;
  const sy = crop.height / height;
  return {
    pixels: out,
    toOriginal: (x, y) => [crop.x + (x + 0.5) * sx - 0.5, crop.y + (y + 0.5) * sy - 0.5],
    description: { fit, width, height, crop, scale: width >= height ? sx : sy },
  };
}
