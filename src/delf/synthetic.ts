/**
 * Deterministic synthetic DELF v1 weights ("synthetic:<seed>"): all 222 checkpoint tensors (BN
 * unfolded) + pca/mean, pca/projection (orthonormal), pca/variances. For tests, benchmarks and
 * demos without the official files; everything made from them carries trained: false.
 *
 * Identical on every runtime: own PRNG (xorshift32), normals by Irwin–Hall (sums of uniforms,
 * no transcendental functions), only + − × ÷ and sqrt (all correctly rounded in IEEE 754).
 */
import { delfCheckpointTensors } from "../model/delf-tensors";
import { FEATURE_DEPTH } from "./constants";

export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Attention calibration, measured (docs/delf.md): the logit conv is a near-uniform positive average
 * of the 512 attention channels, so the score tracks local activation energy (textured cells score
 * high, flat ones low) with little dependence on the seed. With gain 1000 and offset 0 the mean
 * activation (≈ 0.06–0.15 on natural photos) maps to scores ≈ 60–150, so the tutorial threshold
 * (100) keeps tens to a few hundred of the 529 cells of a 256² pyramid (seeds 1–3, six photos:
 * 3–275; low-contrast aerial views keep fewest).
 */
export const SYNTHETIC_ATTENTION_GAIN = 1000;
export const SYNTHETIC_ATTENTION_OFFSET = 0;
/** Mean per component of L2-normalised synthetic block3 features (measured ≈ 0.0216 for seeds 1–2); used as pca/mean. */
export const SYNTHETIC_FEATURE_MEAN = 0.0216;

/** xorshift32 → uniform in [0, 1) with 2^-32 resolution. */
function uniformSource(seed: number): () => number {
  let state = (seed ^ 0x9e3779b9) >>> 0 || 0x6d2b79f5;
  for (let i = 0; i < 8; i++) state = step(state); // decorrelate small seeds
  function step(x: number): number {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  }
  return () => (state = step(state)) / 4294967296;
}

/** Approximately standard normal: Irwin–Hall of 4 uniforms, rescaled to unit variance. */
function normalSource(uniform: () => number): () => number {
  const k = Math.sqrt(3); // var of a sum of 4 U(0,1) is 1/3
  return () => (uniform() + uniform() + uniform() + uniform() - 2) * k;
}

/** Orthonormal 1024×1024 rows: a randomly signed, row-permuted Walsh–Hadamard matrix / 32. */
function orthonormalProjection(n: number, uniform: () => number): Float32Array {
  const signs = Array.from({ length: n }, () => (uniform() < 0.5 ? -1 : 1));
  const rows = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const scale = 1 / Math.sqrt(n);
  const out = new Float32Array(n * n);
  for (let r = 0; r < n; r++) {
    const h = rows[r];
    for (let c = 0; c < n; c++) {
      // Hadamard entry = (−1)^popcount(h & c)
      let bits = h & c;
      let parity = 0;
      while (bits) {
        parity ^= 1;
        bits &= bits - 1;
      }
      out[r * n + c] = (parity ? -scale : scale) * signs[c];
    }
  }
  return out;
}

/**
 * Makes every output channel's filter sum to zero. Inputs after a ReLU are non-negative, so a
 * filter with a random sum gives its channel a random offset; those offsets would dominate every
 * descriptor (all features nearly parallel). Centred filters keep channels statistically alike.
 */
function centreEachFilter(weights: Float32Array, outChannels: number): void {
  const fanIn = weights.length / outChannels;
  for (let o = 0; o < outChannels; o++) {
    let sum = 0;
    for (let i = 0; i < fanIn; i++) sum += weights[i * outChannels + o];
    const mean = sum / fanIn;
    for (let i = 0; i < fanIn; i++) weights[i * outChannels + o] -= mean;
  }
}

/** All tensors of the synthetic model for `seed`, checkpoint tensors in delfCheckpointTensors() order. */
export function syntheticModelTensors(seed: number): NamedTensor[] {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError("seed must be an integer in [0, 2^32)");
  const uniform = uniformSource(seed);
  const normal = normalSource(uniform);
  const out: NamedTensor[] = [];
  const fill = (n: number, f: () => number) => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = f();
    return v;
  };
  for (const { name, shape } of delfCheckpointTensors()) {
    const count = shape.reduce((a, b) => a * b, 1);
    const scope = name.slice(0, name.lastIndexOf("/")).replace(/\/BatchNorm$/, "");
    const isResidualEnd = scope.endsWith("/conv3");
    const isLogit = scope.startsWith("attention_block/attention/compute/conv2");
    let values: Float32Array;
    if (name.endsWith("/weights") && isLogit) {
      // near-uniform positive weights: logit ≈ gain · mean activation (+ small per-seed variety)
      values = fill(count, () => (SYNTHETIC_ATTENTION_GAIN / count) * (1 + 0.1 * normal()));
    } else if (name.endsWith("/weights")) {
      const fanIn = shape[0] * shape[1] * shape[2];
      const std = Math.sqrt(2 / fanIn); // He init
      values = fill(count, () => std * normal());
      centreEachFilter(values, shape[3]);
    } else if (name.endsWith("/biases")) {
      values = fill(count, () => SYNTHETIC_ATTENTION_OFFSET);
    } else if (name.endsWith("/gamma")) {
      // residual branches end with small gammas (as trained ResNets do), keeping activations bounded
      values = fill(count, () => (isResidualEnd ? 0.3 : 1) * (1 + 0.1 * normal()));
    } else if (name.endsWith("/beta")) {
      values = fill(count, () => 0.05 * normal());
    } else if (name.endsWith("/moving_mean")) {
      values = fill(count, () => 0.05 * normal());
    } else if (name.endsWith("/moving_variance")) {
      values = fill(count, () => 1 + 0.25 * uniform());
    } else throw new Error(`no synthetic rule for ${name}`);
    out.push({ name, shape, values });
  }
  out.push({ name: "pca/mean", shape: [FEATURE_DEPTH], values: fill(FEATURE_DEPTH, () => SYNTHETIC_FEATURE_MEAN) });
  out.push({ name: "pca/projection", shape: [FEATURE_DEPTH, FEATURE_DEPTH], values: orthonormalProjection(FEATURE_DEPTH, uniform) });
  // decreasing, positive: a plausible PCA spectrum for whitening
  out.push({ name: "pca/variances", shape: [FEATURE_DEPTH], values: Float32Array.from({ length: FEATURE_DEPTH }, (_, j) => 1 / (1 + j / 8)) });
  return out;
}

/** "synthetic:<seed>" → seed, or null when `spec` is not a synthetic-weights spec. Throws on a bad seed. */
export function parseSyntheticSpec(spec: string): number | null {
  if (!spec.startsWith("synthetic:")) return null;
  const text = spec.slice("synthetic:".length);
  const seed = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seed) || seed > 0xffffffff)
    throw new RangeError(`bad synthetic weights spec "${spec}": expected synthetic:<integer seed 0…4294967295>`);
  return seed;
}
