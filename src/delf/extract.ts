/**
 * DELF v1 extraction (spec §2–5): pyramid → network per level → attention threshold →
 * receptive boxes → NMS → descriptors. Only the per-level attention logits and the kept 1024-d
 * rows leave the wasm heap; kept rows are reduced to 40-d right away.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Features, Pixels } from "../types";
import { softplus } from "./attention";
import { boxCentre, receptiveBoxes } from "./boxes";
import { PIXEL_OFFSET, PIXEL_SCALE } from "./constants";
import { postProcessDescriptors } from "./descriptors";
import { DelfError } from "./errors";
import type { DelfModel } from "./model";
import { BAND_HALO, runNetwork, type LevelOutput } from "./network";

/** The forward pass of one level (the product's runNetwork; benchmarks pass a plain one). */
export type NetworkRunner = (model: DelfModel, input: tf.Tensor4D, stemBands: number) => LevelOutput;
import { nonMaxSuppression } from "./nms";
import { resolveExtractOptions, type ExtractOptions } from "./options";
import { pyramidLevels, type PyramidLevel } from "./pyramid";

/** What happened per level (filled when the caller passes a report object). */
export interface LevelReport {
  scale: number;
  height: number;
  width: number;
  featureHeight: number;
  featureWidth: number;
  /** Cells with score >= threshold. */
  kept: number;
  ms: number;
}

export interface ExtractReport {
  levels: LevelReport[];
}

interface LevelCandidates {
  boxes: Float32Array;
  scores: Float32Array;
  descriptors: Float32Array;
  count: number;
}

function checkPixels(pixels: Pixels): void {
  const { width, height, data } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new DelfError("invalid_image", `image size ${width}×${height} is not valid`);
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3)
    throw new DelfError("invalid_image", `pixel buffer has ${data?.length} bytes, expected ${width * height * 3} (RGB)`);
}

/** (p − 128) / 128 of the full image as a [1, H, W, 3] tensor (exact in float32). */
function normalisedImage(pixels: Pixels): tf.Tensor4D {
  const values = new Float32Array(pixels.data.length);
  for (let i = 0; i < values.length; i++) values[i] = (pixels.data[i] - PIXEL_OFFSET) / PIXEL_SCALE;
  return tf.tensor4d(values, [1, pixels.height, pixels.width, 3], "float32");
}

/**
 * Stem bands per level (network.ts): the fewest bands whose rows, halos included, hold at most 362²
 * level pixels, but at least 64 level rows (8 block1 rows) per band. For the 256² tutorial pyramid:
 * 512² → 3 bands, 362² and smaller levels → 1: 9 stem runs instead of 14 with the former rule (240²
 * without halos), 55 fewer conv calls and a third of the halo pixels recomputed. Peak wasm heap of
 * that pyramid, which grows in 1.2× steps: 69.5 MiB, against 83.4 with the former rule, 83.4 with
 * 512² in 2 bands and 100.1 unbanded. docs/BENCHMARKS.md, "Round 4".
 */
const STEM_BAND_PIXELS = 362 * 362;
const MIN_BAND_ROWS = 64;
function stemBands({ height, width }: PyramidLevel): number {
  const most = Math.max(1, Math.floor(height / MIN_BAND_ROWS));
  let bands = 1;
  while (bands < most && (bands === 1 ? height : Math.ceil(height / bands) + 2 * BAND_HALO) * width > STEM_BAND_PIXELS) bands++;
  return bands;
}

async function extractLevel(
  network: NetworkRunner,
  model: DelfModel,
  image: tf.Tensor4D,
  level: PyramidLevel,
  options: ExtractOptions,
): Promise<LevelCandidates & { featureHeight: number; featureWidth: number }> {
  const [, H, W] = image.shape;
  // Legacy TF1 ResizeBilinear: no align-corners, no half-pixel centres. Identity at the same size.
  const input = level.height === H && level.width === W ? image : tf.image.resizeBilinear(image, [level.height, level.width], false, false);
  const out = network(model, input, stemBands(level));
  if (input !== image) input.dispose();
  const { features, logits, height: h, width: w } = out;
  try {
    const raw = (await logits.data()) as Float32Array;
    const keptCells: number[] = [];
    const scoresAll = new Float32Array(raw.length);
    for (let k = 0; k < raw.length; k++) {
      scoresAll[k] = softplus(raw[k]);
      if (scoresAll[k] >= options.scoreThreshold) keptCells.push(k);
    }
    const count = keptCells.length;
    const allBoxes = receptiveBoxes(h, w, level.scale);
    const boxes = new Float32Array(count * 4);
    const scores = new Float32Array(count);
    keptCells.forEach((k, r) => {
      boxes.set(allBoxes.subarray(4 * k, 4 * k + 4), 4 * r);
      scores[r] = scoresAll[k];
    });
    let rows: Float32Array;
    if (count === raw.length) rows = (await features.data()) as Float32Array;
    else if (count === 0) rows = new Float32Array(0);
    else {
      const indices = tf.tensor1d(keptCells, "int32");
      const gathered = tf.gather(features, indices);
      indices.dispose();
      rows = (await gathered.data()) as Float32Array;
      gathered.dispose();
    }
    const descriptors = postProcessDescriptors(rows, count, model.pca, options.useWhitening);
    return { boxes, scores, descriptors, count, featureHeight: h, featureWidth: w };
  } finally {
    features.dispose();
    logits.dispose();
  }
}

/**
 * DELF features of `pixels` with google/delf/1 semantics. Locations are (y, x) in the pixels'
 * own frame; rows in descending score order. Throws DelfError for bad options or pixels.
 */
export function extractDelfFeatures(
  model: DelfModel,
  pixels: Pixels,
  options: Partial<ExtractOptions> = {},
  report?: ExtractReport,
): Promise<Features> {
  return extractDelfFeaturesWith(runNetwork, model, pixels, options, report);
}

/** extractDelfFeatures with another forward pass (scripts/bench's plain tfjs network). */
export async function extractDelfFeaturesWith(
  network: NetworkRunner,
  model: DelfModel,
  pixels: Pixels,
  options: Partial<ExtractOptions> = {},
  report?: ExtractReport,
): Promise<Features> {
  const o = resolveExtractOptions(options);
  checkPixels(pixels);
  if (o.useWhitening && !model.pca.variances)
    throw new DelfError("invalid_options", "useWhitening needs a model with pca/variances");
  const levels = pyramidLevels(pixels.height, pixels.width, o.scales);
  const perLevel = new Array<LevelCandidates | undefined>(levels.length);
  // Largest level first, while the wasm heap is emptiest; results keep the caller's scale order.
  const order = levels.map((_, i) => i).sort((a, b) => levels[b].height * levels[b].width - levels[a].height * levels[a].width || a - b);
  const image = normalisedImage(pixels);
  try {
    for (const i of order) {
      const started = performance.now();
      const level = await extractLevel(network, model, image, levels[i], o);
      perLevel[i] = level;
      report?.levels.push({
        scale: levels[i].scale,
        height: levels[i].height,
        width: levels[i].width,
        featureHeight: level.featureHeight,
        featureWidth: level.featureWidth,
        kept: level.count,
        ms: performance.now() - started,
      });
    }
  } finally {
    image.dispose();
  }
  return selectFeatures(levels, perLevel as LevelCandidates[], o, model.pca.outDim);
}

/** Concatenates levels in scale order, runs NMS and gathers the selected rows (§4.3–4.5, §5). */
function selectFeatures(levels: PyramidLevel[], perLevel: LevelCandidates[], o: ExtractOptions, dim: number): Features {
  const total = perLevel.reduce((n, l) => n + l.count, 0);
  const boxes = new Float32Array(total * 4);
  const scores = new Float32Array(total);
  const scalesOut = new Float32Array(total);
  const descriptors = new Float32Array(total * dim);
  let at = 0;
  perLevel.forEach((l, i) => {
    boxes.set(l.boxes, 4 * at);
    scores.set(l.scores, at);
    scalesOut.fill(1 / levels[i].scale, at, at + l.count);
    descriptors.set(l.descriptors, at * dim);
    at += l.count;
  });
  const selected = nonMaxSuppression(boxes, scores, o.maxFeatures, o.iouThreshold);
  const n = selected.length;
  const features: Features = {
    count: n,
    locations: new Float32Array(n * 2),
    descriptors: new Float32Array(n * dim),
    dim,
    scales: new Float32Array(n),
    scores: new Float32Array(n),
  };
  selected.forEach((g, r) => {
    const [y, x] = boxCentre(boxes, 4 * g);
    features.locations[2 * r] = y;
    features.locations[2 * r + 1] = x;
    features.descriptors.set(descriptors.subarray(g * dim, (g + 1) * dim), r * dim);
    features.scales[r] = scalesOut[g];
    features.scores[r] = scores[g];
  });
  return features;
}
