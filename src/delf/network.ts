/**
 * Forward pass of one pyramid level on tfjs-wasm (spec §3). Every intermediate is disposed as
 * soon as it is consumed (no tf.tidy: it would keep all of block1 alive at once).
 */
import * as tf from "@tensorflow/tfjs-core";
import { RESNET_BLOCKS } from "../model/delf-tensors";
import type { UnitSpec } from "./layers";
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

/** Output values per matMul chunk of a unit's last 1×1 conv: 2^19 floats = 2 MiB (4 MiB chunks grow the heap). */
const CONV3_CHUNK_VALUES = 1 << 19;

/**
 * relu(conv3(r2) + shortcut), written into `shortcut`'s own wasm buffer. conv3 is a 1×1 conv, i.e.
 * a matMul over the rows (cells) of r2, so it runs on chunks of ≤ 2 MiB of output rows, each added
 * into the shortcut as soon as it exists: the unit's full-size conv3 output (8 MiB for block2 of a
 * 512² level) is never allocated. Each output row is computed by the same kernel with the same
 * summation order whatever chunk it falls in, so the result equals the unchunked conv
 * (test/node/memory/outputs-unchanged.test.ts). `shortcut` must be a tensor nobody else holds.
 */
function conv3AddReluInto(r2: tf.Tensor4D, conv3: UploadedConv, shortcut: tf.Tensor4D): tf.Tensor4D {
  const backend = tf.backend() as unknown as {
    getMemoryOffset(dataId: object): number;
    wasm: { HEAPF32: Float32Array };
  };
  const [n, h, w, c] = r2.shape;
  const rows = n * h * w;
  const out = conv3.spec.outChannels;
  const step = Math.max(1, Math.floor(CONV3_CHUNK_VALUES / out));
  const flat = tf.reshape(r2, [rows, c]) as tf.Tensor2D;
  for (let r0 = 0; r0 < rows; r0 += step) {
    const count = Math.min(step, rows - r0);
    const a = count === rows ? flat : tf.slice(flat, [r0, 0], [count, c]);
    const y = tf.fused.matMul({ a, b: conv3.filter as tf.Tensor2D, bias: conv3.bias, activation: "linear" });
    if (a !== flat) a.dispose();
    // The heap may have grown during the matMul: take fresh views after it.
    const heap = backend.wasm.HEAPF32;
    const ys = new Float32Array(heap.buffer, backend.getMemoryOffset(y.dataId), count * out);
    const t = new Float32Array(heap.buffer, backend.getMemoryOffset(shortcut.dataId) + 4 * r0 * out, count * out);
    for (let i = 0; i < ys.length; i++) {
      const v = ys[i] + t[i];
      t[i] = v > 0 ? v : 0;
    }
    y.dispose();
  }
  flat.dispose();
  return shortcut;
}

export interface LevelOutput {
  /** Block3 feature map as [h·w, 1024] (row-major cells). Caller disposes. */
  features: tf.Tensor2D;
  /** Attention logits [h·w] (before softplus). Caller disposes. */
  logits: tf.Tensor1D;
  height: number;
  width: number;
}

type ExplicitPads = [[0, 0], [number, number], [number, number], [0, 0]];

/** TF 'SAME' padding (before, after) of a k-wide, stride-s window on a side of n. */
export function samePads(n: number, k: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(n / stride) - 1) * stride + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** One bottleneck unit; consumes (disposes) `x`. */
function runUnit(model: DelfModel, x: tf.Tensor4D, unit: UnitSpec): tf.Tensor4D {
  const conv = (scope: string) => model.convs.get(scope)!;
  // The unit's output is written into the shortcut: a fresh tensor, or x itself (identity), which
  // nothing reads after conv1.
  const shortcut = unit.shortcut
    ? runConv(x, conv(unit.shortcut.scope), false)
    : unit.stride === 2
      ? tf.maxPool(x, 1, 2, "same")
      : x;
  const r1 = runConv(x, conv(unit.conv1.scope), true);
  if (shortcut !== x) x.dispose();
  const r2 = runConv(r1, conv(unit.conv2.scope), true);
  r1.dispose();
  const out = conv3AddReluInto(r2, conv(unit.conv3.scope), shortcut);
  r2.dispose();
  return out;
}

/** Units of block1 (the stem ends there: output stride 8). */
const STEM_UNITS = RESNET_BLOCKS[0].units;
/** Input rows of context above and below a band: > the stem's receptive radius (17 px), multiple of 8. */
const BAND_HALO = 32;

/**
 * conv1 → pool1 → block1 on `input`. pool1 gets explicit pads equal to the FULL level's SAME pads
 * (`poolPads`), so that a band of rows starting at a multiple of 8 sits on the full level's grid.
 */
function runStem(model: DelfModel, input: tf.Tensor4D, poolPads: ExplicitPads): tf.Tensor4D {
  const { spec } = model;
  const c1 = runConv(input, model.convs.get(spec.conv1.scope)!, true);
  let x = tf.maxPool(c1, 3, 2, poolPads);
  c1.dispose();
  for (const unit of spec.units.slice(0, STEM_UNITS)) x = runUnit(model, x, unit);
  return x;
}

/**
 * The stem in horizontal bands (peak memory of the largest levels: their stride-2/4 tensors are
 * the biggest of the whole network). Band k computes block1 rows [a, b) from input rows
 * [8a − halo, 8b + halo) ∩ [0, H) and keeps only [a, b): rows near a band edge that saw the band's
 * own zero padding lie inside the halo and are dropped, so the result equals the unbanded stem.
 */
function runStemInBands(model: DelfModel, input: tf.Tensor4D, bands: number): tf.Tensor4D {
  const [, H, W] = input.shape;
  const c1h = Math.ceil(H / 2), c1w = Math.ceil(W / 2);
  const poolPads: ExplicitPads = [[0, 0], samePads(c1h, 3, 2), samePads(c1w, 3, 2), [0, 0]];
  const outRows = Math.ceil(H / 8);
  bands = Math.max(1, Math.min(bands, outRows));
  if (bands === 1) return runStem(model, input, poolPads);
  const pieces: tf.Tensor4D[] = [];
  for (let k = 0; k < bands; k++) {
    const a = Math.floor((k * outRows) / bands), b = Math.floor(((k + 1) * outRows) / bands);
    const r0 = Math.max(0, 8 * a - BAND_HALO), r1 = Math.min(H, 8 * b + BAND_HALO);
    const rows = tf.slice(input, [0, r0, 0, 0], [1, r1 - r0, W, 3]);
    const stem = runStem(model, rows, poolPads);
    rows.dispose();
    pieces.push(tf.slice(stem, [0, a - r0 / 8, 0, 0], [1, b - a, stem.shape[2], stem.shape[3]]));
    stem.dispose();
  }
  const joined = tf.concat(pieces, 1);
  tf.dispose(pieces);
  return joined;
}

/**
 * Runs backbone + attention on a normalised [1, H, W, 3] level. Does not dispose `input`.
 * `stemBands` > 1 runs conv1 → block1 in that many row bands (same result, less peak memory).
 */
export function runNetwork(model: DelfModel, input: tf.Tensor4D, stemBands = 1): LevelOutput {
  const { spec } = model;
  let x = runStemInBands(model, input, stemBands);
  for (const unit of spec.units.slice(STEM_UNITS)) x = runUnit(model, x, unit);
  const [, height, width, depth] = x.shape;
  const a1 = runConv(x, model.convs.get(spec.attention1.scope)!, true);
  const logits4 = runConv(a1, model.convs.get(spec.attention2.scope)!, false);
  a1.dispose();
  const logits = tf.reshape(logits4, [height * width]) as tf.Tensor1D;
  logits4.dispose();
  const features = tf.reshape(x, [height * width, depth]) as tf.Tensor2D;
  x.dispose();
  return { features, logits, height, width };
}
