import { imageSize } from "image-size";
import { ImageError } from "./errors";
import { readJpegHeader } from "./jpeg-header";
import { sniffImageType, type ImageType } from "./sniff";

/** EXIF orientation, 1 = as stored (also the value for PNG, WebP and JPEG without a valid tag). */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface ImageHeader {
  type: ImageType;
  /** Dimensions as stored in the file, before EXIF orientation is applied. */
  width: number;
  height: number;
  orientation: Orientation;
}

/** PNG's IHDR ends at byte 33 and WebP's VP8/VP8L/VP8X dimensions at byte 30. */
const PNG_WEBP_HEADER_BYTES = 64;

function isDimension(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n > 0;
}

function isOrientation(n: unknown): n is Orientation {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 8;
}

function readDimensions(type: ImageType, bytes: Uint8Array): { width?: number; height?: number; orientation?: number } {
  if (type === "jpeg") return readJpegHeader(bytes);
  // image-size reads through a DataView on the whole underlying buffer, past the end of a view: give
  // it a copy of just the header bytes so a truncated header fails instead of reading foreign bytes.
  const size = imageSize(bytes.slice(0, PNG_WEBP_HEADER_BYTES));
  if (size.type !== (type === "png" ? "png" : "webp")) throw new Error(`image-size read it as ${size.type}`);
  return size;
}

/**
 * Reads format, dimensions and EXIF orientation from the first bytes, without decoding pixels,
 * so oversized images can be refused before any allocation proportional to their size.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const type = sniffImageType(bytes);
  if (type === null) {
    throw new ImageError("unsupported_media_type", "not a JPEG, PNG or WebP image (unrecognised magic bytes)");
  }
  let size: ReturnType<typeof readDimensions>;
  try {
    size = readDimensions(type, bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ImageError("image_decode_failed", `${type} header is truncated or corrupt: ${reason}`, { cause });
  }
  if (!isDimension(size.width) || !isDimension(size.height)) {
    throw new ImageError("image_decode_failed", `${type} header declares no valid dimensions`);
  }
  const orientation = type === "jpeg" && isOrientation(size.orientation) ? size.orientation : 1;
  return { type, width: size.width, height: size.height, orientation };
}
