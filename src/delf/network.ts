/**
 * Forward pass of one pyramid level on tfjs-wasm (spec §3). Every intermediate is disposed as
 * soon as it is consumed (no tf.tidy: it would keep all of block1 alive at once).
 */
import * as tf from "@tensorflow/tfjs-core";
import { RESNET_BLOCKS } from "../model/delf-tensors";
import type { UnitSpec } from "./layers";
import type { DelfModel } from "./model";
import { samePads } from "./conv-engine";


export interface LevelOutput {
  /** Block3 feature map as [h·w, 1024] (row-major cells). Caller disposes. */
  features: tf.Tensor2D;
  /** Attention logits [h·w] (before softplus). Caller disposes. */
  logits: tf.Tensor1D;
  height: number;
  width: number;
}

type ExplicitPads = [[0, 0], [number, number], [number, number], [0, 0]];

/** One bottleneck unit; consumes (disposes) `x`. */
function runUnit(model: DelfModel, x: tf.Tensor4D, unit: UnitSpec): tf.Tensor4D {
  const { engine } = model;
  // The unit's output is written into the shortcut: a fresh tensor, or x itself (identity), which
  // nothing reads after conv1.
  const shortcut = unit.shortcut
    ? engine.conv(x, unit.shortcut.scope, false)
    : unit.stride === 2
      ? tf.maxPool(x, 1, 2, "same")
      : x;
  const r1 = engine.conv(x, unit.conv1.scope, true);
  if (shortcut !== x) x.dispose();
  const r2 = engine.conv(r1, unit.conv2.scope, true);
  r1.dispose();
  const out = engine.convAddRelu(r2, unit.conv3.scope, shortcut);
  r2.dispose();
  return out;
}

/** Units of block1 (the stem ends there: output stride 8). */
const STEM_UNITS = RESNET_BLOCKS[0].units;
/** Input rows of context above and below a band: > the stem's receptive radius (17 px), multiple of 8 (24: banded = unbanded exactly, tested; 16 fails). */
export const BAND_HALO = 24;

/**
 * First block1 row of band k: k·outRows/bands made odd, so that the band's first input row
 * 8a − 24 is a multiple of 16 and its stride-4 maps start on the full level's grid of 4-row
 * Winograd F(4×4) tiles (the same tiles, so the same float rounding, as unbanded).
 */
function bandStart(k: number, bands: number, outRows: number): number {
  if (k === 0) return 0;
  if (k === bands) return outRows;
  return Math.min(outRows, Math.floor((k * outRows) / bands) | 1);
}

/**
 * conv1 → pool1 → block1 on `input`. pool1 gets explicit pads equal to the FULL level's SAME pads
 * (`poolPads`), so that a band of rows starting at a multiple of 8 sits on the full level's grid.
 */
function runStem(model: DelfModel, input: tf.Tensor4D, poolPads: ExplicitPads): tf.Tensor4D {
  const { spec } = model;
  const c1 = model.engine.conv(input, spec.conv1.scope, true);
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
  // Each band's kept rows are copied straight into the joined map (contiguous NHWC rows, both in
  // the tfjs heap): no list of pieces plus a concatenated copy (2× the map at the 2.0 level).
  const depth = model.spec.units[STEM_UNITS - 1].conv3.outChannels;
  const outCols = Math.ceil(W / 8);
  const backend = tf.backend() as unknown as {
    makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
    getMemoryOffset(dataId: object): number;
    wasm: { HEAPF32: Float32Array };
  };
  const joined = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([1, outRows, outCols, depth], "float32")) as tf.Tensor4D;
  const rowFloats = outCols * depth;
  for (let k = 0; k < bands; k++) {
    const a = bandStart(k, bands, outRows), b = bandStart(k + 1, bands, outRows);
    if (a === b) continue;
    const r0 = Math.max(0, 8 * a - BAND_HALO), r1 = Math.min(H, 8 * b + BAND_HALO);
    const rows = tf.slice(input, [0, r0, 0, 0], [1, r1 - r0, W, 3]);
    const stem = runStem(model, rows, poolPads);
    rows.dispose();
    // Offsets are read after the band ran: the heap may have grown (views are re-taken, offsets stay).
    const from = backend.getMemoryOffset(stem.dataId) / 4 + (a - r0 / 8) * rowFloats;
    const to = backend.getMemoryOffset(joined.dataId) / 4 + a * rowFloats;
    backend.wasm.HEAPF32.copyWithin(to, from, from + (b - a) * rowFloats);
    stem.dispose();
  }
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
  const a1 = model.engine.conv(x, spec.attention1.scope, true);
  const logits4 = model.engine.conv(a1, spec.attention2.scope, false);
  a1.dispose();
  const logits = tf.reshape(logits4, [height * width]) as tf.Tensor1D;
  logits4.dispose();
  const features = tf.reshape(x, [height * width, depth]) as tf.Tensor2D;
  x.dispose();
  return { features, logits, height, width };
}
