/**
 * The conv engine: the one interface the DELF network calls for its convolutions (BN folded).
 * Two implementations over the same folded weights:
 * - "wasm": the project's implicit-GEMM SIMD kernel (assembly/conv/), which reads and writes the
 *   tfjs tensors in place in tfjs-wasm's own memory (no copies), weights packed once at load;
 * - "tfjs": plain tfjs-wasm (XNNPACK) — the reference path, kept callable for tests and benchmarks.
 * Tensors stay tfjs tensors either way: tfjs runs every other op (pools, slices, resize, gather).
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { ConvSpec } from "../layers";
import { scaleOutputChannels } from "../batch-norm";

export type ConvEngineName = "wasm" | "tfjs";

export interface FoldedConv {
  spec: ConvSpec;
  /** HWIO [k, k, in, out] float32, as in the checkpoint: the folded filter is weights[…, o] · scale[o]. */
  weights: Float32Array;
  /** BatchNorm's per-output-channel scale (batch-norm.ts); null for a conv without BatchNorm. */
  scale: Float32Array | null;
  /** The folded bias (or the conv's own biases). */
  bias: Float32Array;
}

/** The folded HWIO filter: a scaled copy, or the weights themselves when there is no scale. */
export function foldedFilter(c: FoldedConv): Float32Array {
  return c.scale ? scaleOutputChannels(c.weights, c.scale) : c.weights;
}

/**
 * Folds one conv on demand: engines take the specs and fold each conv as they store it, so that
 * only one folded conv at a time exists in JS (all of them would be ≈ 36 MB).
 */
export type FoldConv = (spec: ConvSpec) => FoldedConv;

export interface ConvEngine {
  readonly name: ConvEngineName;
  /** conv(x) + bias, ReLU when `relu`. Does not dispose `x`. */
  conv(x: tf.Tensor4D, scope: string, relu: boolean): tf.Tensor4D;
  /**
   * relu(conv(x) + bias + shortcut), written into `shortcut`'s own buffer and returned.
   * `shortcut` must be a tensor nobody else holds.
   */
  convAddRelu(x: tf.Tensor4D, scope: string, shortcut: tf.Tensor4D): tf.Tensor4D;
  /** Called once after the warm-up pass (the tfjs engine frees its filter copies here). Returns bytes freed. */
  afterWarmUp(): number;
  dispose(): void;
}

/** TF conv2d_same for stride 2: symmetric explicit padding (k−1)//2 before, the rest after (spec §3.2). */
export function stridedPadBefore(kernel: number): number {
  return Math.floor((kernel - 1) / 2);
}

/** TF 'SAME' padding (before, after) of a k-wide, stride-s window on a side of n. */
export function samePads(n: number, k: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(n / stride) - 1) * stride + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
