import type { Pixels } from "../types";
import { resampleLanczos } from "./resample";

/**
 * How the decoded image becomes DELF's input:
 * - `256`: the tutorial's Pillow `ImageOps.fit(img, (256, 256), LANCZOS)`: centre crop to a square, Lanczos to 256×256;
 * - `"none"`: unchanged;
 * - `{ maxSide }`: Lanczos downscale so the longer side is `maxSide` (aspect kept, never upscaled).
 */
export type Fit = 256 | "none" | { maxSide: number };

/** A region of the original image in pixel-EDGE coordinates (x = 0 is the left edge); may be fractional. */
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
  /** The region of the original image that was resampled onto the processed image. */
  crop: CropBox;
  /** Original pixels per processed pixel along the longer processed side (per axis exactly: crop.width/width, crop.height/height). */
  scale: number;
}

export interface FittedImage {
  pixels: Pixels;
  /**
   * Processed → original pixel coordinates. Convention: integer coordinates are pixel CENTRES (pixel i
   * covers [i − 0.5, i + 0.5]), the one DELF's locations use (a feature sits at 32·i). The resampler
   * maps processed pixel j's centre to crop.x + (j + 0.5)·crop.width/width in edge coordinates, so
   *   X = crop.x + (x + 0.5) · crop.width / width − 0.5   (likewise Y),
   * the exact inverse of the geometry applied.
   */
  toOriginal(x: number, y: number): [number, number];
  description: FitDescription;
}

/** The tutorial's output side. */
const TUTORIAL_SIDE = 256;

/**
 * Pillow's ImageOps.fit crop box (bleed 0, centering (0.5, 0.5)) for an outWidth×outHeight output,
 * same float arithmetic and comparisons. For a square output: side = min(W, H), centred; the
 * offset is a half pixel when W − H is odd, and the resampler honours it.
 */
export function pillowFitBox(width: number, height: number, outWidth: number, outHeight: number): CropBox {
  const liveRatio = width / height;
  const outputRatio = outWidth / outHeight;
  let cropWidth: number;
  let cropHeight: number;
  if (liveRatio === outputRatio) {
    cropWidth = width;
    cropHeight = height;
  } else if (liveRatio >= outputRatio) {
    cropWidth = outputRatio * height;
    cropHeight = height;
  } else {
    cropWidth = width;
    cropHeight = width / outputRatio;
  }
  return { x: (width - cropWidth) * 0.5, y: (height - cropHeight) * 0.5, width: cropWidth, height: cropHeight };
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

function plan(pixels: Pixels, fit: Fit): { crop: CropBox; width: number; height: number } {
  const full = { x: 0, y: 0, width: pixels.width, height: pixels.height };
  if (fit === TUTORIAL_SIDE) {
    return { crop: pillowFitBox(pixels.width, pixels.height, TUTORIAL_SIDE, TUTORIAL_SIDE), width: TUTORIAL_SIDE, height: TUTORIAL_SIDE };
  }
  if (fit === "none") return { crop: full, width: pixels.width, height: pixels.height };
  if (typeof fit === "object" && fit !== null && Number.isInteger(fit.maxSide) && fit.maxSide >= 1) {
    return { crop: full, ...maxSideSize(pixels.width, pixels.height, fit.maxSide) };
  }
  // Options are validated at the HTTP edge; reaching this is a programming error.
  throw new RangeError(`invalid fit ${JSON.stringify(fit)}`);
}

/**
 * Crops and resamples decoded pixels for DELF. Pure TypeScript (resample.ts), so Node and workerd give
 * identical bytes.
 */
export function fitImage(pixels: Pixels, fit: Fit): FittedImage {
  const { crop, width, height } = plan(pixels, fit);
  const identity = fit === "none" || (width === pixels.width && height === pixels.height && crop.x === 0 && crop.y === 0);
  const out = identity
    ? pixels
    : resampleLanczos(pixels, width, height, { x0: crop.x, y0: crop.y, x1: crop.x + crop.width, y1: crop.y + crop.height });
  const sx = crop.width / width;
  const sy = crop.height / height;
  return {
    pixels: out,
    toOriginal: (x, y) => [crop.x + (x + 0.5) * sx - 0.5, crop.y + (y + 0.5) * sy - 0.5],
    description: { fit, width, height, crop, scale: width >= height ? sx : sy },
  };
}
