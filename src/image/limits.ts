/** Size limits checked from the header, before any decoding allocation. */
export interface ImageLimits {
  /** width × height of the decoded image. */
  maxPixels: number;
  /** Longest side in pixels. */
  maxSide: number;
}

/**
 * Decoding costs about 8 bytes per pixel at its peak (the codec's RGBA in its own wasm memory plus
 * the RGBA copy handed to JS, compacted in place to RGB), so 16.7 MP ≈ 134 MB transient. That admits
 * 12 MP phone photos (4032×3024) and refuses panoramas and scans that no 128 MB isolate could hold.
 */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxPixels: 4096 * 4096, maxSide: 8192 };

export function resolveImageLimits(limits?: Partial<ImageLimits>): ImageLimits {
  return { ...DEFAULT_IMAGE_LIMITS, ...limits };
}
