/**
 * The memory work (filter release, one filter block, in-place add+ReLU, stem bands, …) must not
 * change any output: features of fixed inputs equal those of the plain eager extractor as it was
 * before that work (before-memory-work.json, made at commit 55a70cf by make-before-fixture.ts).
 * Locations and scales identical, scores and descriptors within 1e-5.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node.js";
import { startRuntime } from "../../../src/runtime/start";
import { syntheticDelfModel, type DelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { CASES, WEIGHTS_SEED, proceduralImage } from "./inputs";

interface Recorded {
  count: number;
  locations: number[];
  scales: number[];
  scores: number[];
  descriptors: number[];
}

const before = JSON.parse(readFileSync(new URL("./before-memory-work.json", import.meta.url), "utf8")) as {
  weights: string;
  cases: Record<string, Recorded>;
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("memory work leaves DELF outputs unchanged", () => {
  let model: DelfModel;
  beforeAll(async () => {
    await startRuntime(await loadNodeWasmModules());
    model = syntheticDelfModel(WEIGHTS_SEED);
  });

  it("the fixture is the one these inputs describe", () => {
    expect(before.weights).toBe(`synthetic:${WEIGHTS_SEED}`);
    expect(Object.keys(before.cases)).toEqual(CASES.map((c) => c.name));
    expect(before.cases["256x256 tutorial"].count).toBe(150);
    // Literal spot checks of the recorded (y, x) of the strongest feature and its scale.
    expect(before.cases["256x256 tutorial"].locations.slice(0, 2)).toEqual([192, 128]);
  });

  for (const c of CASES) {
    it(`${c.name}: same locations, scales and order; scores and descriptors within 1e-5`, async () => {
      const ref = before.cases[c.name];
      const f = await extractDelfFeatures(model, proceduralImage(c.width, c.height), {
        scales: c.scales,
        scoreThreshold: c.scoreThreshold,
        maxFeatures: c.maxFeatures,
      });
      expect(f.count).toBe(ref.count);
      expect(Array.from(f.locations)).toEqual(ref.locations);
      expect(Array.from(f.scales)).toEqual(ref.scales);
      expect(maxAbsDiff(f.scores, ref.scores)).toBeLessThanOrEqual(1e-5 * Math.max(...ref.scores.map(Math.abs), 1));
      expect(f.descriptors.length).toBe(ref.descriptors.length);
      expect(maxAbsDiff(f.descriptors, ref.descriptors)).toBeLessThanOrEqual(1e-5);
    });
  }
});
