/** Why an image was refused; the HTTP layer maps `status` straight onto the response. */
export type ImageErrorCode = "image_decode_failed" | "image_too_large" | "unsupported_media_type";

const STATUS: Record<ImageErrorCode, 400 | 413 | 415> = {
  image_decode_failed: 400,
  image_too_large: 413,
  unsupported_media_type: 415,
};

/** The only error src/image throws for bad input bytes. */
export class ImageError extends Error {
  readonly code: ImageErrorCode;
  readonly status: 400 | 413 | 415;

  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImageError";
    this.code = code;
    this.status = STATUS[code];
  }
}
