// The independent implementation's golden outputs (../shared/data/delf-golden, README tolerances).
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDirectoryFromDisk } from "../../../src/model/model-directory.node";
import { createDelfModel, type DelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import type { Features } from "../../../src/types";
import { haveShared, loadImage, SHARED_DATA, startNodeRuntime, warnIfNoShared } from "./helpers";

warnIfNoShared("DELF golden tests");

interface Golden {
  locations: Array<[number, number]>;
  scales: number[];
  scores: number[];
  descriptors: number[][];
}

function meanDescriptor(rows: ArrayLike<number>[], dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (const r of rows) for (let k = 0; k < dim; k++) mean[k] += r[k] / rows.length;
  return mean;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>, sub?: Float64Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k] - (sub?.[k] ?? 0), y = b[k] - (sub?.[k] ?? 0);
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Compares with the README's tolerances; returns the worst figures for a readable failure. */
function compare(ours: Features, golden: Golden) {
  const n = golden.scores.length;
  expect(ours.count).toBe(n);
  const dim = ours.dim;
  const ourRows = Array.from({ length: ours.count }, (_, i) => ours.descriptors.subarray(i * dim, (i + 1) * dim));
  const ourMean = meanDescriptor(ourRows, dim);
  const goldenMean = meanDescriptor(golden.descriptors, dim);
  // a cell is identified by its location and scale; match golden rows to ours by that key
  const key = (x: number, y: number, s: number) => `${x.toFixed(2)},${y.toFixed(2)},${s.toFixed(4)}`;
  const ourIndex = new Map<string, number>();
  for (let i = 0; i < ours.count; i++) ourIndex.set(key(ours.locations[2 * i + 1], ours.locations[2 * i], ours.scales[i]), i);
  expect(ourIndex.size).toBe(n);
  let worstScore = 0, worstCos = 1, worstCentredCos = 1, worstLocation = 0;
  const position = new Array<number>(n);
  golden.locations.forEach(([x, y], g) => {
    const i = ourIndex.get(key(x, y, golden.scales[g]));
    expect(i, `golden feature ${g} at (${x}, ${y}) scale ${golden.scales[g]}`).toBeDefined();
    position[g] = i!;
    worstLocation = Math.max(worstLocation, Math.abs(ours.locations[2 * i! + 1] - x), Math.abs(ours.locations[2 * i!] - y));
    worstScore = Math.max(worstScore, Math.abs(ours.scores[i!] - golden.scores[g]) / Math.abs(golden.scores[g]));
    worstCos = Math.min(worstCos, cosine(ourRows[i!], golden.descriptors[g]));
    // centred with each set's own mean: the sets are near-identical, so the means are too
    worstCentredCos = Math.min(worstCentredCos, cosine(Array.from(ourRows[i!], (v, k) => v - ourMean[k]), Array.from(golden.descriptors[g], (v, k) => v - goldenMean[k])));
  });
  // the same order, except between scores closer than 1e-4 relative
  for (let g = 1; g < n; g++) {
    if (position[g] < position[g - 1]) {
      const a = golden.scores[g - 1], b = golden.scores[g];
      expect(Math.abs(a - b) / Math.abs(a), `order of golden rows ${g - 1}, ${g}`).toBeLessThan(1e-4);
    }
  }
  expect(worstLocation).toBeLessThan(1e-3);
  expect(worstScore).toBeLessThan(1e-3);
  expect(worstCos).toBeGreaterThanOrEqual(0.9999);
  expect(worstCentredCos).toBeGreaterThanOrEqual(0.999);
  return { worstScore, worstCos, worstCentredCos };
}

describe.skipIf(!haveShared)("DELF golden outputs (independent implementation of the spec)", () => {
  let model: DelfModel;
  beforeAll(async () => {
    await startNodeRuntime();
    const { manifest, tensors } = await loadModelDirectoryFromDisk(`${SHARED_DATA}delf-golden/model`);
    model = createDelfModel(tensors, manifest);
    expect(model.trained).toBe(false);
  });
  afterAll(() => model?.dispose());

  it("256×256, tutorial scales, threshold 0: all 529 cells", async () => {
    const pixels = await loadImage("delf-golden/box_in_scene_256.png");
    const golden = JSON.parse(await readFile(`${SHARED_DATA}delf-golden/golden_256_tutorial_t0.json`, "utf8")) as Golden;
    const ours = await extractDelfFeatures(model, pixels, { scoreThreshold: 0 });
    compare(ours, golden);
  });

  it("232×176 (non-square), scales 0.5, 1.0, 1.4142, threshold 0: 148 cells", async () => {
    const pixels = await loadImage("delf-golden/box_in_scene_232x176.png");
    expect([pixels.width, pixels.height]).toEqual([232, 176]);
    const golden = JSON.parse(await readFile(`${SHARED_DATA}delf-golden/golden_232x176_3scales_t0.json`, "utf8")) as Golden;
    const ours = await extractDelfFeatures(model, pixels, { scoreThreshold: 0, scales: [0.5, 1.0, 1.4142] });
    compare(ours, golden);
  });
});
