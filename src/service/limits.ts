/**
 * Every bound the service enforces, in one place (documented in the README's "Limits").
 * Memory figures behind MAX_LEVEL_PIXELS: docs/BENCHMARKS.md (memory benchmark).
 */
export const LIMITS = {
  /**
   * Whole request body. Multipart parsing holds an upload about twice while it is split into files,
   * so the body bounds what two uploaded photos may weigh together: a 9.9 MiB body of two 12 MP WebPs
   * peaks at 119.3 MiB, an 11.5 MiB one at 122.3 MiB (docs/BENCHMARKS.md, "Large photos").
   */
  maxBodyBytes: 10 * 1024 * 1024,
  /**
   * One encoded image (upload, base64 or URL download). By URL the match route downloads and decodes
   * one image at a time, and two 11.7 MiB 24 MP JPEGs peak at 118.6 MiB; uploads are bounded by the
   * body limit first.
   */
  maxImageBytes: 12 * 1024 * 1024,
  /**
   * Images up to this size take the exact path: full decode, then the Pillow-equal fit. The decode
   * happens while the tfjs heap already holds the model (86.3 MiB): a full decode costs ≈ 17 MiB per
   * megapixel (codec wasm memory + RGBA/RGB copies), and 1 MP keeps a tutorial /v1/match at ≈ 116 MiB
   * (docs/BENCHMARKS.md, "Memory"). Larger images are decoded at reduced size (src/image/scaled).
   */
  maxImagePixels: 1024 * 1024,
  /** Declared size accepted at all (checked from the header, before any pixel buffer exists). */
  maxSourcePixels: 8192 * 6144,
  /** Not memory-binding: reduced decodes keep a few rows at full width. */
  maxImageSide: 8192,
  /** Pixels of a reduced decode (packed RGB): a 24 MP photo for fit 256 decodes at 1/4 to 1.5 MP. */
  maxDecodedPixels: 2 * 1024 * 1024,
  /** A progressive JPEG's whole-image coefficient buffer (≈ 3 bytes per pixel at 4:2:0). */
  maxProgressiveCoefficientBytes: 12 * 1024 * 1024,
  /** Lossless WebP and lossy WebP with alpha, which libwebp decodes at full size. */
  maxFullSizePixels: 2 * 1024 * 1024,
  /**
   * Largest pyramid level (pixels) whose extraction keeps the tfjs heap at its post-load 86.3 MiB:
   * measured up to a 572×458 level (261,976 px); a 600×480 level grows it to 103.5 MiB.
   */
  maxLevelPixels: 512 * 512,
  maxScales: 12,
  minScale: 0.05,
  maxScale: 4,
  maxFeatures: 5000,
  maxRansacTrials: 100_000,
  maxFitSide: 2048,
  minFitSide: 32,
  /** Features accepted by /v1/verify per set. */
  maxVerifyFeatures: 20_000,
  maxDescriptorDim: 256,
  /**
   * Requests waiting for this isolate's extraction queue (each holds its body). Above it: 503
   * overloaded with Retry-After, instead of piling up memory. ≥ 50 so a burst of 50 still queues.
   */
  maxQueuedJobs: 64,
  urlTimeoutMs: 10_000,
  maxRedirects: 3,
} as const;
