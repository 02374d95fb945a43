/**
 * Every bound the service enforces, in one place (documented in the README's "Limits").
 * Memory figures behind MAX_LEVEL_PIXELS: docs/BENCHMARKS.md (memory benchmark).
 */
export const LIMITS = {
  /**
   * Whole request body, when it is held whole: JSON, /v1/features and /v1/verify multipart (the
   * platform's formData() holds an upload about twice: a 9.9 MiB body of two 12 MP WebPs peaked at
   * 119.3 MiB, an 11.5 MiB one at 122.3 MiB), and a /v1/match upload whose images come before its
   * "options" field (they are held undecoded: two 8.06 MiB JPEGs so held peak at 122.6 MiB).
   * docs/BENCHMARKS.md, "Large photos".
   */
  maxBodyBytes: 10 * 1024 * 1024,
  /**
   * A /v1/match multipart upload, read as a stream with the "options" field first: each image part is
   * decoded while it arrives (src/http/requests.ts). Two images at the per-image limit, plus room for
   * the options and the part headers.
   */
  maxMatchUploadBytes: 2 * 40 * 1024 * 1024 + 1024 * 1024,
  /** A /v1/features multipart upload, read the same way: one image at the per-image limit, plus room. */
  maxFeaturesUploadBytes: 40 * 1024 * 1024 + 1024 * 1024,
  /**
   * One encoded image that is decoded while it arrives: a /v1/match or /v1/features URL, a /v1/match
   * upload part. A baseline or progressive JPEG and a PNG above 1 MP never exist whole (the decoder
   * holds at most a marker segment or an MCU plus one 64 KiB piece), so the file's size costs no
   * memory: two 16 MiB 24 MP JPEGs peak at 104.6 MiB by URL (104.0 as an upload), two 37 MiB 12 MP
   * PNGs at 104.7 (104.5). The bound is there for transfer time and CPU (docs/BENCHMARKS.md,
   * "Streamed decoding").
   */
  maxImageBytes: 40 * 1024 * 1024,
  /**
   * One encoded image that is held whole: base64, an upload part sent before its "options", the
   * retrieval inputs, a WebP (libwebp needs the file in memory, copied into its wasm memory), an image
   * of ≤ 1 MP (the exact path's codecs take a buffer), the originals of ?format=svg. Two 11.7 MiB
   * files held one after the other peaked at 118.6 MiB (docs/BENCHMARKS.md, "Large photos").
   */
  maxHeldImageBytes: 12 * 1024 * 1024,
  /**
   * A WebP above 1 MP: held whole in JS and copied into libwebp's memory, ≈ 2 MiB of peak per MiB of
   * file. In a warm isolate two 12 MP WebPs of 5.0 MiB peak at 114.5 MiB, of 7.3 MiB at 119.2 MiB
   * (by URL; 118.5 as an upload): 7.5 MiB keeps two within 120 MiB (docs/BENCHMARKS.md, "Streamed decoding").
   */
  maxWebpBytes: 7.5 * 1024 * 1024,
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
  /**
   * A streamed upload (/v1/match multipart) is decoded while it arrives, inside the extraction queue:
   * no chunk for this long, or the body not done after uploadTimeoutMs, is a 408 upload_timeout, so a
   * stalled or trickling client cannot hold the queue. 120 s carries two 16 MiB photos at ≈ 2.3 Mbit/s.
   */
  uploadIdleTimeoutMs: 10_000,
  uploadTimeoutMs: 120_000,
  maxRedirects: 3,
} as const;
