/**
 * Reduced-size decoding for images above the exact path's pixel limit: JPEG through libjpeg-turbo's
 * scaled IDCT, WebP through libwebp's rescaler (both in codecs/photo-decoder), PNG row by row into a
 * box downscaler. Never allocates a full-resolution pixel buffer; refuses (413) the variants that
 * would need one beyond the configured bounds. See docs/images.md ("Large images").
 */
import type { Pixels } from "../../types";
import { ImageError } from "../errors";
import type { Fit } from "../fit";
import type { ImageHeader } from "../header";
import { readJpegHeader } from "../jpeg-header";
import { prependSource, readAll, type ByteSource } from "../byte-source";
import { decodeJpegScaled, decodeWebpScaled } from "./photo-decoder";
import { chooseDenominator, largestMaxSideWithin, reducedSize, type Denominator } from "./plan";
import { decodePngReduced, readPngInfo } from "./png-rows";
import { readWebpInfo } from "./webp-header";

export { chooseDenominator, reducedSize } from "./plan";

export interface ScaledDecodeLimits {
  /** Pixels of the reduced decode (packed RGB, 3 bytes each). */
  maxDecodedPixels: number;
  /** A progressive JPEG's whole-image coefficient buffer (jdcoefct.c), needed even when scaling. */
  maxProgressiveCoefficientBytes: number;
  /** Lossless WebP and Adam7 PNG/alpha planes: stored pixels, for decoders that hold the full size. */
  maxFullSizePixels: number;
  /** Files that must be read whole before decoding (≤ 1 MP images on the exact path): at most this many bytes. */
  maxHeldBytes: number;
  /** A WebP above 1 MP (read whole, then copied into libwebp's memory): at most this many bytes. */
  maxWebpBytes: number;
}

/** 413 for a file over `maxHeldBytes` that must be read whole. */
export function heldTooLarge(header: ImageHeader, maxBytes: number): ImageError {
  const why = header.type === "webp" ? "a WebP is decoded from one buffer (held twice: in JS and in libwebp's memory)" : "an image of up to 1 MP is decoded from one buffer";
  return tooLarge(`${why}, and this file is larger than the ${maxBytes} bytes that fit. Send it as JPEG or PNG, or smaller.`);
}

export interface ScaledDecode {
  /** Reduced pixels as stored (EXIF orientation NOT applied); may be a view into the codec's memory. */
  pixels: Pixels;
  denom: Denominator;
  /** Original pixels per reduced pixel edge, per axis (edge coordinates scale by exactly this). */
  factorX: number;
  factorY: number;
}

const MiB = 1024 * 1024;

function tooLarge(message: string): ImageError {
  return new ImageError("image_too_large", message);
}

/** libjpeg's warning for junk between segments: harmless, common in camera files (as in codecs/jpeg.ts). */
const BENIGN_WARNING = /extraneous bytes before marker/i;

function decodeFailed(header: ImageHeader, cause: unknown): ImageError {
  if (cause instanceof ImageError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ImageError("image_decode_failed", `${header.type} data could not be decoded: ${reason}`, { cause });
}

/**
 * Checks the plan for `fit` against the limits (413 naming the reason and what would work), then
 * decodes at 1/denom. `header` comes from readImageHeader on `head` (already checked against the
 * source limits); `head` holds the file's first bytes, at least through the header (a JPEG's SOS), and
 * `source` the bytes after them. JPEG and PNG
 * are decoded from the pieces as they arrive; a WebP is read whole first (libwebp needs it so).
 */
export async function decodeScaled(
  header: ImageHeader,
  head: Uint8Array,
  source: ByteSource,
  photoDecoder: WebAssembly.Module,
  fit: Fit,
  limits: ScaledDecodeLimits,
): Promise<ScaledDecode> {
  const { width, height } = header;
  const denom = chooseDenominator(width, height, fit);
  const reduced = reducedSize(width, height, denom);
  if (reduced.width * reduced.height > limits.maxDecodedPixels) {
    const what = fit === "none" ? 'fit "none" keeps every pixel' : `fit ${JSON.stringify(fit)} needs a 1/${denom} decode of ${reduced.width}×${reduced.height}`;
    const maxSide = largestMaxSideWithin(width, height, limits.maxDecodedPixels);
    throw tooLarge(
      `image is ${width}×${height}: ${what}, above the ${limits.maxDecodedPixels} px that one isolate's memory can decode. ` +
        (maxSide >= 32 ? `Use fit 256 or {"maxSide": ${maxSide}} or less.` : "Use fit 256 or a smaller image."),
    );
  }
  const stored = width * height;
  // An error of the transport (a 413 over the byte limit, a body cut short) is passed on as it is.
  let transportError: unknown;
  const rest: ByteSource = {
    read: () =>
      source.read().catch((error: unknown) => {
        transportError = error;
        throw error;
      }),
  };
  try {
    let pixels: Pixels;
    if (header.type === "jpeg") {
      const jpeg = readJpegHeader(head);
      if (jpeg.progressive && jpeg.coefficientBytes > limits.maxProgressiveCoefficientBytes) {
        throw tooLarge(
          `progressive JPEG ${width}×${height} needs ${(jpeg.coefficientBytes / MiB).toFixed(1)} MiB for its whole-image coefficient buffer ` +
            `even when decoded at reduced size; at most ${(limits.maxProgressiveCoefficientBytes / MiB).toFixed(0)} MiB fit ` +
            `(about ${Math.floor(limits.maxProgressiveCoefficientBytes / 3 / 1e5) / 10} MP at 4:2:0). Re-save it as baseline JPEG, or send it smaller.`,
        );
      }
      const decoded = await decodeJpegScaled(photoDecoder, prependSource(head, rest), {
        denom,
        maxMemoryBytes: limits.maxProgressiveCoefficientBytes + 4 * MiB,
        maxPixels: limits.maxDecodedPixels,
      });
      const serious = decoded.warnings.filter((w) => !BENIGN_WARNING.test(w));
      if (serious.length > 0) throw new Error(`corrupt JPEG data: ${serious.join("; ")}`);
      pixels = decoded.pixels;
    } else if (header.type === "webp") {
      const bytes = await readAll(prependSource(head, rest), limits.maxWebpBytes, () => heldTooLarge(header, limits.maxWebpBytes));
      const info = readWebpInfo(bytes);
      if (info.animated) throw new Error("animated WebP is not supported");
      if ((info.lossless || info.alpha) && stored > limits.maxFullSizePixels) {
        throw tooLarge(
          `${info.lossless ? "lossless WebP" : "WebP with alpha"} ${width}×${height}: libwebp decodes ${info.lossless ? "it" : "its alpha plane"} at full size ` +
            `whatever the output size; at most ${limits.maxFullSizePixels} px fit. Send it as lossy WebP without alpha, JPEG or PNG.`,
        );
      }
      pixels = decodeWebpScaled(photoDecoder, bytes, reduced.width, reduced.height).pixels;
    } else {
      pixels = await decodePngReduced(readPngInfo(head), prependSource(head, rest), denom);
    }
    if (pixels.width !== reduced.width || pixels.height !== reduced.height) {
      throw new Error(`decoded to ${pixels.width}×${pixels.height} instead of ${reduced.width}×${reduced.height}`);
    }
    const exactGrid = header.type !== "webp";
    return {
      pixels,
      denom,
      factorX: exactGrid ? denom : width / reduced.width,
      factorY: exactGrid ? denom : height / reduced.height,
    };
  } catch (cause) {
    if (transportError !== undefined) throw transportError;
    throw decodeFailed(header, cause);
  }
}
