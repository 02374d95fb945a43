/**
 * Every bound the service enforces, in one place (documented in the README's "Limits").
 * Memory figures behind MAX_LEVEL_PIXELS: docs/BENCHMARKS.md (memory benchmark).
 */
export const LIMITS = {
  /** Whole request body. */
  maxBodyBytes: 24 * 1024 * 1024,
  /** One encoded image (upload, base64 or URL download). */
  maxImageBytes: 10 * 1024 * 1024,
  /** Declared image size, checked from the header before decoding. */
  maxImagePixels: 4096 * 4096,
  maxImageSide: 8192,
  /** Largest pyramid level (processed side × scale, squared) that fits the 128 MB isolate. */
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
