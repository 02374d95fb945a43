import type { Fit } from "../fit";

/** The reduction factors a reduced decode may use: libjpeg's scaled IDCT sizes, used for every format. */
export const DENOMINATORS = [8, 4, 2, 1] as const;
export type Denominator = (typeof DENOMINATORS)[number];

/** The fit's crop region must keep at least this many pixels per output pixel along its target side. */
export const MIN_CROP_OVERSAMPLING = 2;

/** Size of a 1/denom decode, as libjpeg computes it (jdmaster.c: ceil). */
export function reducedSize(width: number, height: number, denom: number): { width: number; height: number } {
  return { width: Math.ceil(width / denom), height: Math.ceil(height / denom) };
}

/**
 * Largest denominator that keeps the fit's crop region ≥ 2× the fit's target side:
 * - fit 256: the centred square crop (side = the shorter side) ≥ 512 px;
 * - { maxSide: N }: the longer side ≥ 2N;
 * - "none": 1 (no reduction: the image is the network's input).
 * Orientation does not matter: both sides are measured as they are stored.
 */
export function chooseDenominator(width: number, height: number, fit: Fit): Denominator {
  if (fit === "none") return 1;
  const side = fit === 256 ? 256 : fit.maxSide;
  for (const denom of DENOMINATORS) {
    const reduced = reducedSize(width, height, denom);
    const crop = fit === 256 ? Math.min(reduced.width, reduced.height) : Math.max(reduced.width, reduced.height);
    if (crop >= MIN_CROP_OVERSAMPLING * side) return denom;
  }
  return 1;
}

/** The largest `maxSide` fit whose reduced decode stays within `maxDecodedPixels` (0 if none does). */
export function largestMaxSideWithin(width: number, height: number, maxDecodedPixels: number): number {
  let best = 0;
  for (const denom of DENOMINATORS) {
    const reduced = reducedSize(width, height, denom);
    if (reduced.width * reduced.height > maxDecodedPixels) continue;
    best = Math.max(best, Math.floor(Math.max(reduced.width, reduced.height) / MIN_CROP_OVERSAMPLING));
  }
  return best;
}
