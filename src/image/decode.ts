import type { WasmModules } from "../runtime/wasm-modules";
import type { Pixels } from "../types";
import { decodeJpegRgba } from "./codecs/jpeg";
import { decodePngRgba } from "./codecs/png";
import { decodeWebpRgba } from "./codecs/webp";
import type { DecodedRgba } from "./codecs/decoded-rgba";
import { rgbaToRgbInPlace } from "./codecs/rgba";
import { ImageError } from "./errors";
import { readImageHeader, type ImageHeader } from "./header";
import { resolveImageLimits, type ImageLimits } from "./limits";
import { applyOrientation } from "./orientation";
import type { ImageType } from "./sniff";

export interface DecodedImage {
  /** RGB, EXIF orientation applied (JPEG), alpha dropped without compositing (Pillow's convert("RGB")). */
  pixels: Pixels;
  type: ImageType;
  /** Size of `pixels`, i.e. after EXIF orientation: the coordinate frame users see. */
  originalWidth: number;
  originalHeight: number;
}

/** Refuses by declared size, before the codec allocates anything proportional to it. */
export function checkImageLimits(header: ImageHeader, limits: ImageLimits): void {
  const { width, height } = header;
  if (width > limits.maxSide || height > limits.maxSide) {
    throw new ImageError("image_too_large", `image is ${width}×${height}; the longest side may be at most ${limits.maxSide} px`);
  }
  if (width * height > limits.maxPixels) {
    throw new ImageError("image_too_large", `image is ${width}×${height} = ${width * height} px; at most ${limits.maxPixels} px are accepted`);
  }
}

async function decodeRgba(header: ImageHeader, bytes: Uint8Array, modules: WasmModules): Promise<DecodedRgba> {
  switch (header.type) {
    case "jpeg": return decodeJpegRgba(modules.jpegDecoder, bytes);
    case "png": return decodePngRgba(modules.pngDecoder, bytes);
    case "webp": return decodeWebpRgba(modules.webpDecoder, bytes);
  }
}

/**
 * Bytes from a stranger → RGB pixels. Throws only ImageError: 415 unsupported_media_type (not
 * JPEG/PNG/WebP), 413 image_too_large (from the header, nothing decoded), 400 image_decode_failed
 * (corrupt, truncated, or the codec's output disagrees with the header).
 */
export async function decodeImage(bytes: Uint8Array, modules: WasmModules, limits?: Partial<ImageLimits>): Promise<DecodedImage> {
  const header = readImageHeader(bytes);
  checkImageLimits(header, resolveImageLimits(limits));
  let decoded: DecodedRgba;
  try {
    decoded = await decodeRgba(header, bytes, modules);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ImageError("image_decode_failed", `${header.type} data could not be decoded: ${reason}`, { cause });
  }
  const { width, height, rgba } = decoded;
  if (width !== header.width || height !== header.height || rgba.length !== width * height * 4) {
    throw new ImageError(
      "image_decode_failed",
      `${header.type} decoded to ${width}×${height} (${rgba.length} bytes) but its header says ${header.width}×${header.height}`,
    );
  }
  const pixels = applyOrientation(rgbaToRgbInPlace(rgba, width, height), header.orientation);
  return { pixels, type: header.type, originalWidth: pixels.width, originalHeight: pixels.height };
}
