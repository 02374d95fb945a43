/**
 * Folding inference BatchNorm into the preceding conv (spec §3.1), in float32:
 * k = γ / sqrt(var + ε); W'[…, o] = W[…, o] · k[o]; b'[o] = β[o] − mean[o] · k[o].
 */
import { BATCH_NORM_EPSILON } from "./constants";

const f32 = Math.fround;

export interface BatchNormStats {
  gamma: Float32Array;
  beta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

/** Returns folded weights (HWIO, last axis = output channel) and bias; inputs are not modified. */
export function foldBatchNorm(
  weights: Float32Array,
  bn: BatchNormStats,
  epsilon = BATCH_NORM_EPSILON,
): { weights: Float32Array; bias: Float32Array } {
  const channels = bn.gamma.length;
  const k = new Float32Array(channels);
  const bias = new Float32Array(channels);
  for (let o = 0; o < channels; o++) {
    k[o] = bn.gamma[o] / f32(Math.sqrt(f32(bn.movingVariance[o] + f32(epsilon))));
    bias[o] = bn.beta[o] - f32(bn.movingMean[o] * k[o]);
  }
  const folded = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) folded[i] = weights[i] * k[i % channels];
  return { weights: folded, bias };
}
