import { imageSize } from "image-size";
import { ImageError } from "./errors";
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

/** image-size's names for the formats we accept. */
const IMAGE_SIZE_TYPE: Record<ImageType, string> = { jpeg: "jpg", png: "png", webp: "webp" };

function isDimension(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n > 0;
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
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch (cause) {
    throw new ImageError("image_decode_failed", `${type} header is truncated or corrupt`, { cause });
  }
  if (size.type !== IMAGE_SIZE_TYPE[type] || !isDimension(size.width) || !isDimension(size.height)) {
    throw new ImageError("image_decode_failed", `${type} header declares no valid dimensions`);
  }
  const orientation = type === "jpeg" && isOrientation(size.orientation) ? size.orientation : 1;
  return { type, width: size.width, height: size.height, orientation };
}

function isOrientation(n: unknown): n is Orientation {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 8;
}

/** Orientations 5–8 swap width and height when applied. */
export function orientationSwapsAxes(orientation: Orientation): boolean {
  return orientation >= 5;
}
