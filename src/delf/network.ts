/**
 * Forward pass of one pyramid level on tfjs-wasm (spec §3). Every intermediate is disposed as
 * soon as it is consumed (no tf.tidy: it would keep all of block1 alive at once).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { DelfModel, UploadedConv } from "./model";

/** conv2d_same for stride 2: symmetric explicit padding (k−1)//2 before, the rest after (§3.2). */
function stridedPads(kernel: number): [[0, 0], [number, number], [number, number], [0, 0]] {
  const before = Math.floor((kernel - 1) / 2);
  const after = kernel - 1 - before;
  return [[0, 0], [before, after], [before, after], [0, 0]];
}

/** conv (BN folded) with optional ReLU; 1×1 convs run as a fused matMul over [H·W, C]. */
export function runConv(x: tf.Tensor4D, conv: UploadedConv, relu: boolean): tf.Tensor4D {
  const { kernel, stride, outChannels } = conv.spec;
  const activation = relu ? "relu" : "linear";
  if (kernel === 1) {
    if (stride !== 1) throw new Error("strided 1×1 convs do not occur in DELF v1");
    const [n, h, w, c] = x.shape;
    const flat = tf.reshape(x, [n * h * w, c]);
    const y = tf.fused.matMul({ a: flat as tf.Tensor2D, b: conv.filter as tf.Tensor2D, bias: conv.bias, activation });
    flat.dispose();
    const out = tf.reshape(y, [n, h, w, outChannels]) as tf.Tensor4D;
    y.dispose();
    return out;
  }
  return tf.fused.conv2d({
    x,
    filter: conv.filter as tf.Tensor4D,
    strides: stride,
    pad: stride === 1 ? "same" : stridedPads(kernel),
    bias: conv.bias,
    activation,
  });
}

/**
 * relu(residual + shortcut), written into `residual`'s own wasm buffer (no new allocation).
 * `residual` must be a fresh tensor nobody else holds (a conv output we just made).
 */
function addReluInPlace(residual: tf.Tensor4D, shortcut: tf.Tensor4D): tf.Tensor4D {
  const backend = tf.backend() as unknown as {
    getMemoryOffset(dataId: object): number;
    wasm: { HEAPF32: Float32Array };
  };
  const size = residual.size;
  const heap = backend.wasm.HEAPF32;
  const r = new Float32Array(heap.buffer, backend.getMemoryOffset(residual.dataId), size);
  const s = new Float32Array(heap.buffer, backend.getMemoryOffset(shortcut.dataId), size);
  for (let i = 0; i < size; i++) {
    const v = r[i] + s[i];
    r[i] = v > 0 ? v : 0;
  }
  return residual;
}

export interface LevelOutput {
  /** Block3 feature map as [h·w, 1024] (row-major cells). Caller disposes. */
  features: tf.Tensor2D;
  /** Attention logits [h·w] (before softplus). Caller disposes. */
  logits: tf.Tensor1D;
  height: number;
  width: number;
}

/** Runs backbone + attention on a normalised [1, H, W, 3] level. Does not dispose `input`. */
export function runNetwork(model: DelfModel, input: tf.Tensor4D): LevelOutput {
  const conv = (scope: string) => model.convs.get(scope)!;
  const { spec } = model;
  let x = runConv(input, conv(spec.conv1.scope), true);
  let next = tf.maxPool(x, 3, 2, "same");
  x.dispose();
  x = next;
  for (const unit of spec.units) {
    // shortcut === x (identity) is disposed with x below.
    const shortcut = unit.shortcut
      ? runConv(x, conv(unit.shortcut.scope), false)
      : unit.stride === 2
        ? tf.maxPool(x, 1, 2, "same")
        : x;
    const r1 = runConv(x, conv(unit.conv1.scope), true);
    if (shortcut !== x) x.dispose();
    const r2 = runConv(r1, conv(unit.conv2.scope), true);
    r1.dispose();
    const r3 = runConv(r2, conv(unit.conv3.scope), false);
    r2.dispose();
    next = addReluInPlace(r3, shortcut);
    shortcut.dispose();
    x = next;
  }
  const [, height, width, depth] = x.shape;
  const a1 = runConv(x, conv(spec.attention1.scope), true);
  const logits4 = runConv(a1, conv(spec.attention2.scope), false);
  a1.dispose();
  const logits = tf.reshape(logits4, [height * width]) as tf.Tensor1D;
  logits4.dispose();
  const features = tf.reshape(x, [height * width, depth]) as tf.Tensor2D;
  x.dispose();
  return { features, logits, height, width };
}
