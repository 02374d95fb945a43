/** Types shared along the pipeline http → image → delf → match (one definition each). */

/** Decoded RGB pixels, row-major, 3 bytes per pixel, no alpha. */
export interface Pixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Local features of one image, rows in descending score order.
 * Internally locations are DELF's (y, x) in processed-image pixels; edges (JSON, CLI) speak [x, y].
 */
export interface Features {
  count: number;
  /** count × 2 float32, (y, x). */
  locations: Float32Array;
  /** count × dim float32, unit norm. */
  descriptors: Float32Array;
  dim: number;
  /** 1 / pyramid scale of the level each feature came from. */
  scales: Float32Array;
  /** softplus attention score. */
  scores: Float32Array;
}
