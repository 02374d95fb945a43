/** Extraction options (the module's inputs plus the graph's baked-in IoU and whitening switch). */
import {
  TUTORIAL_IOU_THRESHOLD,
  TUTORIAL_MAX_FEATURES,
  TUTORIAL_SCALES,
  TUTORIAL_SCORE_THRESHOLD,
} from "./constants";
import { DelfError } from "./errors";

export interface ExtractOptions {
  /** Pyramid scales, processed (and concatenated) in this order. */
  scales: number[];
  /** Keep a cell iff its softplus attention is >= this (inclusive). */
  scoreThreshold: number;
  /** Cap on returned features (top by score after NMS). */
  maxFeatures: number;
  /** NMS IoU threshold in [0, 1]; 1.0 suppresses nothing (stable sort by score). */
  iouThreshold: number;
  /** Divide PCA outputs by sqrt(variance) before the final L2 (needs pca/variances). */
  useWhitening: boolean;
}

export const DEFAULT_EXTRACT_OPTIONS: Readonly<ExtractOptions> = Object.freeze({
  scales: [...TUTORIAL_SCALES],
  scoreThreshold: TUTORIAL_SCORE_THRESHOLD,
  maxFeatures: TUTORIAL_MAX_FEATURES,
  iouThreshold: TUTORIAL_IOU_THRESHOLD,
  useWhitening: false,
});

/** Upper bounds that keep a request from asking for absurd work. */
export const MAX_SCALES = 16;
export const MAX_SCALE = 4;

function invalid(message: string): never {
  throw new DelfError("invalid_options", message);
}

/**
 * Fills defaults (an absent or undefined field takes the tutorial default) and validates; throws
 * DelfError("invalid_options") with a readable message.
 */
export function resolveExtractOptions(options: Partial<ExtractOptions> = {}): ExtractOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  for (const key of Object.keys(given)) if (!(key in DEFAULT_EXTRACT_OPTIONS)) invalid(`unknown option "${key}"`);
  const o: ExtractOptions = { ...DEFAULT_EXTRACT_OPTIONS, ...given };
  if (!Array.isArray(o.scales) || o.scales.length === 0) invalid("scales must be a non-empty array");
  if (o.scales.length > MAX_SCALES) invalid(`at most ${MAX_SCALES} scales`);
  for (const s of o.scales)
    if (typeof s !== "number" || !Number.isFinite(s) || s <= 0 || s > MAX_SCALE)
      invalid(`each scale must be a number in (0, ${MAX_SCALE}], got ${String(s)}`);
  if (typeof o.scoreThreshold !== "number" || Number.isNaN(o.scoreThreshold))
    invalid("scoreThreshold must be a number");
  if (!Number.isInteger(o.maxFeatures) || o.maxFeatures < 0) invalid("maxFeatures must be an integer >= 0");
  if (typeof o.iouThreshold !== "number" || !(o.iouThreshold >= 0 && o.iouThreshold <= 1))
    invalid("iouThreshold must be in [0, 1]");
  if (typeof o.useWhitening !== "boolean") invalid("useWhitening must be a boolean");
  return { ...o, scales: [...o.scales] };
}
