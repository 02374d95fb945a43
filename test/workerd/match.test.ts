// Runs INSIDE workerd: the matching kernels give the same answers as in Node (literal values below
// were produced by the Node tests' code paths), with the kernels module imported as the Worker does.
import { describe, expect, it } from "vitest";
import { workerWasmModules } from "../../src/runtime/wasm-modules.worker";
import { startKernels } from "../../src/runtime/kernels";
import { SeededRandom, drawSamples, matchAndVerify, ransac, type FeatureSet } from "../../src/match/index";

const kernels = () => startKernels(workerWasmModules.kernels);

function features(rows: number[][], locationsYX: number[][]): FeatureSet {
  return {
    count: rows.length,
    dim: rows[0]?.length ?? 0,
    descriptors: Float32Array.from(rows.flat()),
    locations: Float32Array.from(locationsYX.flat()),
  };
}

/** 30 pairs: descriptor i of image 2 = descriptor i of image 1 nudged; 12 locations follow an affine map. */
function plantedPair(): { f1: FeatureSet; f2: FeatureSet } {
  const random = new SeededRandom(2024);
  const u = () => random.nextUint32() / 4294967296;
  const d1: number[][] = [], d2: number[][] = [], l1: number[][] = [], l2: number[][] = [];
  for (let i = 0; i < 30; i++) {
    const row = Array.from({ length: 8 }, () => u() * 2 - 1);
    d1.push(row);
    d2.push(row.map((v) => v + (u() - 0.5) * 0.05));
    const x = u() * 256, y = u() * 256;
    l1.push([y, x]);
    l2.push(i < 12 ? [0.1 * x + 0.9 * y + 7, 0.9 * x - 0.1 * y + 30 + (u() - 0.5) * 4] : [u() * 256, u() * 256]);
  }
  return { f1: features(d1, l1), f2: features(d2, l2) };
}

describe("matching kernels inside workerd", () => {
  it("draws the same seeded samples as every other runtime", () => {
    expect(Array.from(drawSamples(42, 10, 3, 3))).toEqual([4, 7, 2, 2, 0, 6, 8, 4, 2]);
    const r = new SeededRandom(0);
    expect([r.nextUint32(), r.nextUint32()]).toEqual([3809008728, 1133695204]);
  });

  it("decides the 0.8 bound in float64 exactly as scipy (f32 would decide two of these wrongly)", async () => {
    const k = await kernels();
    const origin = features([[0, 0, 0]], [[0, 0]]);
    const queries = features(
      [
        [0.7463719248771667, 0.2879736125469208, 0.00038500886876136065], // d² = fl(0.8²): rejected
        [0.7999, 0, 0], // accepted
        [0.7428693175315857, 0.2968909442424774, 0.0009717494249343872], // f32 says reject; f64 accepts
        [0.5236831903457642, 0.6047268509864807, 0.007833380252122879], // f32 says accept; f64 rejects
      ],
      [[0, 0], [0, 0], [0, 0], [0, 0]],
    );
    const r = matchAndVerify(k, origin, queries);
    expect(r.putative).toEqual([[0, 1], [0, 2]]);
    expect(r.numInliers).toBe(0);
    expect(r.transform).toBeNull();
  });

  it("spec §9.10 RANSAC vector: one trial, all inliers, A = 2I, t = (3, 2) in [x, y]", async () => {
    const r = ransac(await kernels(), Float64Array.of(0, 0, 0, 1, 1, 0), Float64Array.of(3, 2, 3, 4, 5, 2), {
      residual: 20, maxTrials: 1000, trials: "adaptive", seed: 0, model: "affine",
    });
    expect(r.trials).toBe(1);
    expect(r.inliers).toEqual([true, true, true]);
    const flat = r.transform!.flat();
    [2, 0, 3, 0, 2, 2, 0, 0, 1].forEach((v, i) => expect(Math.abs(flat[i] - v)).toBeLessThan(1e-12));
  });

  it("matches and verifies a planted pair with the same literal outcome as Node", async () => {
    const { f1, f2 } = plantedPair();
    const r = matchAndVerify(await kernels(), f1, f2, { ransac: { seed: 5, trials: "full", maxTrials: 200 } });
    expect(r.putative).toEqual(Array.from({ length: 30 }, (_, i) => [i, i]));
    expect(r.trials).toBe(200);
    expect(r.numInliers).toBe(12);
    expect(r.inliers.map(Number).join("")).toBe("111111111111000000000000000000");
    const want = [0.9004539133080218, -0.10718173153956147, 30.791496118837866, 0.10002346271227573, 0.9001028969107377, 6.984120667609711, 0, 0, 1];
    r.transform!.flat().forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-9));
  });
});
