/** Validated HTTP options → the service's extraction and matching options (defaults = tutorial). */
import { DEFAULT_MATCH_OPTIONS, type MatchOptions } from "../match";
import type { ImageExtractionOptions } from "../service/extract-image";
import type { ExtractOptionsInput, VerifyOptionsInput } from "./schemas";

export function toExtractionOptions(o: ExtractOptionsInput = {}): ImageExtractionOptions {
  const extract: ImageExtractionOptions["extract"] = {};
  if (o.scales) extract.scales = o.scales;
  if (o.scoreThreshold !== undefined) extract.scoreThreshold = o.scoreThreshold;
  if (o.maxFeatures !== undefined) extract.maxFeatures = o.maxFeatures;
  return { extract, fit: o.fit ?? 256, dropLargeScales: o.dropLargeScales ?? false };
}

export function toMatchOptions(o: VerifyOptionsInput = {}): MatchOptions {
  return {
    ...DEFAULT_MATCH_OPTIONS,
    ...(o.distance !== undefined ? { distance: o.distance } : {}),
    ...(o.matcher !== undefined ? { matcher: o.matcher } : {}),
    ...(o.ratio !== undefined ? { ratio: o.ratio } : {}),
    ransac: { ...DEFAULT_MATCH_OPTIONS.ransac, ...(o.ransac ?? {}) },
  };
}
