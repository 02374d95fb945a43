/**
 * One image's bytes → its FeatureSet: cache lookup, header-first limits, decode, the fit, the
 * pyramid's memory bound, then DELF (serialised through the isolate's queue).
 */
import { decodeAndFit, decodeAndFitSource } from "../image/decode-fit";
import { drain, type ByteSource } from "../image/byte-source";
import type { Fit, FittedImage } from "../image/fit";
import { extractDelfFeatures } from "../delf/extract";
import { scaledSide } from "../delf/pyramid";
import { DEFAULT_EXTRACT_OPTIONS, type ExtractOptions } from "../delf/options";
import { affineFromPointMap } from "../features/affine";
import { featureSetFromJson, featureSetToJson, type FeatureSet } from "../features/feature-set";
import { featureCacheKey, featureCacheKeyFromHash } from "./feature-cache";
import { LIMITS } from "./limits";
import type { ServiceContext } from "./context";

export interface ImageExtractionOptions {
  extract: Partial<ExtractOptions>;
  fit: Fit;
  /** Drop pyramid levels above the memory bound instead of refusing the image. */
  dropLargeScales: boolean;
}

export interface ImageExtraction {
  set: FeatureSet;
  cache: "hit" | "miss";
  timingsMs: { decode: number; extract: number };
}

export class ImageTooLargeForPyramidError extends Error {
  readonly code = "image_too_large";
}

export class OverloadedError extends Error {
  readonly code = "overloaded";
}

/** The scales whose level fits the memory bound (or a 413 when the caller did not opt in). */
export function scalesWithinMemory(width: number, height: number, scales: readonly number[], dropLarge: boolean): number[] {
  const fits = (s: number) => scaledSide(width, s) * scaledSide(height, s) <= LIMITS.maxLevelPixels;
  const kept = scales.filter(fits);
  if (kept.length === scales.length) return kept;
  const largest = Math.max(...scales.filter((s) => !fits(s)));
  const message =
    `a ${width}×${height} processed image at scale ${largest} needs a ${scaledSide(width, largest)}×${scaledSide(height, largest)} ` +
    `pyramid level; the largest that fits one isolate's memory has ${LIMITS.maxLevelPixels} pixels. ` +
    `Use a smaller fit, smaller scales, or "dropLargeScales": true.`;
  if (!dropLarge || kept.length === 0) throw new ImageTooLargeForPyramidError(message);
  return kept;
}

/** The image limits of src/service/limits.ts, as src/image takes them. */
export const IMAGE_LIMITS = {
  maxExactPixels: LIMITS.maxImagePixels,
  maxPixels: LIMITS.maxSourcePixels,
  maxSide: LIMITS.maxImageSide,
  maxDecodedPixels: LIMITS.maxDecodedPixels,
  maxProgressiveCoefficientBytes: LIMITS.maxProgressiveCoefficientBytes,
  maxFullSizePixels: LIMITS.maxFullSizePixels,
  maxHeldBytes: LIMITS.maxHeldImageBytes,
  maxWebpBytes: LIMITS.maxWebpBytes,
};

/**
 * An image decoded and fitted (or found in the cache), its encoded bytes no longer needed: the
 * first half of extractImage, so a caller with two images can let both encoded files go before
 * the DELF pyramids run (docs/BENCHMARKS.md, "Large photos").
 */
export interface PreparedImage {
  key: string;
  cached?: FeatureSet;
  fitted?: { pixels: FittedImage["pixels"]; toOriginal: FittedImage["toOriginal"]; originalWidth: number; originalHeight: number; scales: number[] };
  decodeMs: number;
}

/**
 * A whole buffer is hashed first, so a cache hit skips the decode. A stream (an upload part, a URL
 * body) is decoded while it arrives and hashed on the way, so its cache key is known only after the
 * decode: a hit then skips DELF only (docs/images.md, "Streamed decoding").
 */
export async function prepareImage(ctx: ServiceContext, input: Uint8Array | ByteSource, options: ImageExtractionOptions): Promise<PreparedImage> {
  const model = await ctx.models.get();
  const extract = { ...DEFAULT_EXTRACT_OPTIONS, ...options.extract };
  const keyOptions = { extract, fit: options.fit, dropLargeScales: options.dropLargeScales };
  const modelSource = `${model.source}|${model.trained}`;
  const lookup = async (key: string): Promise<PreparedImage | undefined> => {
    const cached = await ctx.cache.get(key);
    if (cached === undefined) return undefined;
    const set = featureSetFromJson(JSON.parse(cached), { maxFeatures: Number.MAX_SAFE_INTEGER, maxDim: Number.MAX_SAFE_INTEGER });
    return { key, cached: set, decodeMs: 0 };
  };
  const whole = input instanceof Uint8Array;
  const wholeKey = whole ? await featureCacheKey(input, keyOptions, modelSource) : "";
  if (whole) {
    const hit = await lookup(wholeKey);
    if (hit) return hit;
  }
  if (ctx.queue.depth >= LIMITS.maxQueuedJobs)
    throw new OverloadedError(`this isolate already has ${ctx.queue.depth} extractions queued; retry shortly`);
  return ctx.queue.run(async () => {
    const t0 = performance.now();
    let key = wholeKey;
    let decoded: Awaited<ReturnType<typeof decodeAndFit>>;
    if (whole) decoded = await decodeAndFit(input, options.fit, ctx.modules, IMAGE_LIMITS);
    else {
      const hash = ctx.streamHash();
      const hashed: ByteSource = {
        read: async () => {
          const piece = await input.read();
          if (piece) await hash.update(piece);
          return piece;
        },
      };
      decoded = await decodeAndFitSource(hashed, options.fit, ctx.modules, IMAGE_LIMITS);
      await drain(hashed); // bytes after the image's end still belong to the file (and to its hash)
      key = await featureCacheKeyFromHash(await hash.hex(), keyOptions, modelSource);
      const hit = await lookup(key);
      if (hit) return hit;
    }
    const { fitted, originalWidth, originalHeight } = decoded;
    const scales = scalesWithinMemory(fitted.pixels.width, fitted.pixels.height, extract.scales, options.dropLargeScales);
    return { key, fitted: { pixels: fitted.pixels, toOriginal: fitted.toOriginal, originalWidth, originalHeight, scales }, decodeMs: performance.now() - t0 };
  });
}

/** The second half: DELF on the prepared pixels (or the cached set), then the cache write. */
export async function extractPrepared(ctx: ServiceContext, prepared: PreparedImage, options: ImageExtractionOptions): Promise<ImageExtraction> {
  if (prepared.cached) return { set: prepared.cached, cache: "hit", timingsMs: { decode: 0, extract: 0 } };
  const fitted = prepared.fitted!;
  const model = await ctx.models.get();
  const extract = { ...DEFAULT_EXTRACT_OPTIONS, ...options.extract };
  if (ctx.queue.depth >= LIMITS.maxQueuedJobs)
    throw new OverloadedError(`this isolate already has ${ctx.queue.depth} extractions queued; retry shortly`);
  return ctx.queue.run(async () => {
    const t1 = performance.now();
    const features = await extractDelfFeatures(model, fitted.pixels, { ...extract, scales: fitted.scales });
    const t2 = performance.now();
    const set: FeatureSet = {
      features,
      image: { width: fitted.originalWidth, height: fitted.originalHeight },
      processed: {
        width: fitted.pixels.width,
        height: fitted.pixels.height,
        fit: options.fit,
        toOriginal: affineFromPointMap(fitted.toOriginal),
      },
      model: { name: "delf-v1", trained: model.trained, source: model.source },
    };
    await ctx.cache.put(prepared.key, JSON.stringify(featureSetToJson(set)));
    return { set, cache: "miss" as const, timingsMs: { decode: prepared.decodeMs, extract: t2 - t1 } };
  });
}

export async function extractImage(ctx: ServiceContext, input: Uint8Array | ByteSource, options: ImageExtractionOptions): Promise<ImageExtraction> {
  return extractPrepared(ctx, await prepareImage(ctx, input, options), options);
}
