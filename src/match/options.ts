/** Matching and verification options: the tutorial's defaults, and validation of caller input. */

export type Matcher = "nn" | "mnn" | "ratio" | "mnn-ratio";
export type TrialMode = "full" | "adaptive";
export type GeometricModel = "affine" | "homography";

export interface RansacOptions {
  /** Inlier iff |H(p1) − p2| < residual (pixels, strict). Tutorial: 20. */
  residual: number;
  /** Trial limit. Tutorial: 1000. */
  maxTrials: number;
  /** "full" always runs maxTrials (scikit-image 0.19); "adaptive" lowers the limit (scikit-image ≥ 0.20). */
  trials: TrialMode;
  /** Seed of the sample generator (uint32): same seed, same result, on every runtime. */
  seed: number;
  /** "affine" (3-point samples, the tutorial) or "homography" (4-point, normalised DLT). */
  model: GeometricModel;
  /** Adaptive mode's stop_probability; default 1 (scikit-image's default). */
  stopProbability?: number;
}

export interface MatchOptions {
  /** Match only if the descriptor distance is < distance (strict). Tutorial: 0.8. */
  distance: number;
  /** "nn" = the tutorial (one-way, many-to-one); "mnn" mutual; "ratio" Lowe; "mnn-ratio" both. */
  matcher: Matcher;
  /** Lowe ratio: nearest < ratio × second nearest (strict). Used by "ratio" and "mnn-ratio". */
  ratio: number;
  ransac: RansacOptions;
}

export type MatchOptionsInput = Partial<Omit<MatchOptions, "ransac">> & { ransac?: Partial<RansacOptions> };

/** The tutorial's settings, with scikit-image's current adaptive trial count and a fixed seed. */
export const DEFAULT_MATCH_OPTIONS: Readonly<MatchOptions> = Object.freeze({
  distance: 0.8,
  matcher: "nn",
  ratio: 0.8,
  ransac: Object.freeze({ residual: 20, maxTrials: 1000, trials: "adaptive", seed: 0, model: "affine" }),
}) as MatchOptions;

/** Upper bound of maxTrials (the samples are drawn up front: 16 bytes per trial). */
export const MAX_TRIALS_LIMIT = 1_000_000;

/** Invalid options; the HTTP layer maps `code` to 400. */
export class InvalidMatchOptionsError extends Error {
  readonly code = "invalid_options" as const;
  constructor(message: string) {
    super(message);
    this.name = "InvalidMatchOptionsError";
  }
}

/** Invalid feature input (shapes, dimensions, non-finite values); the HTTP layer maps it to 400. */
export class InvalidFeaturesError extends Error {
  readonly code = "invalid_request" as const;
  constructor(message: string) {
    super(message);
    this.name = "InvalidFeaturesError";
  }
}

const MATCHERS: readonly Matcher[] = ["nn", "mnn", "ratio", "mnn-ratio"];
const TRIAL_MODES: readonly TrialMode[] = ["full", "adaptive"];
const MODELS: readonly GeometricModel[] = ["affine", "homography"];

function fail(message: string): never {
  throw new InvalidMatchOptionsError(message);
}

function checkKeys(value: object, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`unknown option ${where}${key} (allowed: ${allowed.join(", ")})`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Defaults filled in and every field checked; throws InvalidMatchOptionsError (code invalid_options). */
export function resolveMatchOptions(input: unknown = {}): MatchOptions {
  if (input === undefined || input === null) input = {};
  if (!isPlainObject(input)) fail("options must be an object");
  checkKeys(input, ["distance", "matcher", "ratio", "ransac"], "");
  const ransacInput = input.ransac ?? {};
  if (!isPlainObject(ransacInput)) fail("ransac must be an object");
  checkKeys(ransacInput, ["residual", "maxTrials", "trials", "seed", "model", "stopProbability"], "ransac.");
  const d = DEFAULT_MATCH_OPTIONS;
  const options: MatchOptions = {
    distance: (input.distance ?? d.distance) as number,
    matcher: (input.matcher ?? d.matcher) as Matcher,
    ratio: (input.ratio ?? d.ratio) as number,
    ransac: {
      residual: (ransacInput.residual ?? d.ransac.residual) as number,
      maxTrials: (ransacInput.maxTrials ?? d.ransac.maxTrials) as number,
      trials: (ransacInput.trials ?? d.ransac.trials) as TrialMode,
      seed: (ransacInput.seed ?? d.ransac.seed) as number,
      model: (ransacInput.model ?? d.ransac.model) as GeometricModel,
    },
  };
  if (ransacInput.stopProbability !== undefined) options.ransac.stopProbability = ransacInput.stopProbability as number;
  validateMatchOptions(options);
  return options;
}

/** Throws InvalidMatchOptionsError unless every field is in range. */
export function validateMatchOptions(o: MatchOptions): void {
  if (typeof o.distance !== "number" || !(o.distance > 0)) fail(`distance must be a number > 0 (got ${String(o.distance)})`);
  if (!MATCHERS.includes(o.matcher)) fail(`matcher must be one of ${MATCHERS.join(", ")} (got ${String(o.matcher)})`);
  if (typeof o.ratio !== "number" || !(o.ratio > 0 && o.ratio <= 1)) fail(`ratio must be a number in (0, 1] (got ${String(o.ratio)})`);
  validateRansacOptions(o.ransac);
}

export function validateRansacOptions(r: RansacOptions): void {
  if (typeof r.residual !== "number" || !(r.residual > 0) || !Number.isFinite(r.residual)) {
    fail(`ransac.residual must be a finite number > 0 (got ${String(r.residual)})`);
  }
  if (!Number.isInteger(r.maxTrials) || r.maxTrials < 1 || r.maxTrials > MAX_TRIALS_LIMIT) {
    fail(`ransac.maxTrials must be an integer in [1, ${MAX_TRIALS_LIMIT}] (got ${String(r.maxTrials)})`);
  }
  if (!TRIAL_MODES.includes(r.trials)) fail(`ransac.trials must be "full" or "adaptive" (got ${String(r.trials)})`);
  if (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > 0xffffffff) {
    fail(`ransac.seed must be an integer in [0, 4294967295] (got ${String(r.seed)})`);
  }
  if (!MODELS.includes(r.model)) fail(`ransac.model must be "affine" or "homography" (got ${String(r.model)})`);
  if (r.stopProbability !== undefined) {
    if (typeof r.stopProbability !== "number" || !(r.stopProbability >= 0 && r.stopProbability <= 1)) {
      fail(`ransac.stopProbability must be a number in [0, 1] (got ${String(r.stopProbability)})`);
    }
  }
}
