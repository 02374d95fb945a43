/**
 * Folding inference BatchNorm into the preceding conv (spec §3.1), in float32:
 * k = γ / sqrt(var + ε); W'[…, o] = W[…, o] · k[o]; b'[o] = β[o] − mean[o] · k[o].
 * In two halves, so that the wasm engine can scale while it packs (one pass, no folded copy) and the
 * tfjs engine scales a copy (conv-engine/index.ts, foldedFilter): each W' element is the same single
 * float32 product either way.
 */
import { BATCH_NORM_EPSILON } from "./constants";

const f32 = Math.fround;

export interface BatchNormStats {
  gamma: Float32Array;
  beta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

/** Per output channel: the scale k and the folded bias b'. */
export function batchNormScale(bn: BatchNormStats, epsilon = BATCH_NORM_EPSILON): { scale: Float32Array; bias: Float32Array } {
  const channels = bn.gamma.length;
  const scale = new Float32Array(channels);
  const bias = new Float32Array(channels);
  for (let o = 0; o < channels; o++) {
    scale[o] = bn.gamma[o] / f32(Math.sqrt(f32(bn.movingVariance[o] + f32(epsilon))));
    bias[o] = bn.beta[o] - f32(bn.movingMean[o] * scale[o]);
  }
  return { scale, bias };
}

/** W'[…, o] = W[…, o] · scale[o] (HWIO: the output channel is the last axis); a new array. */
export function scaleOutputChannels(weights: Float32Array, scale: Float32Array): Float32Array {
  const channels = scale.length;
  const scaled = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) scaled[i] = weights[i] * scale[i % channels];
  return scaled;
}
