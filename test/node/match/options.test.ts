import { describe, expect, it } from "vitest";
import { DEFAULT_MATCH_OPTIONS, matchAndVerify, resolveMatchOptions } from "../../../src/match/index";
import { features, kernels } from "./helpers";

describe("match options", () => {
  it("defaults are the tutorial's (cKDTree 0.8, one-way NN; ransac 20 px, 1000 trials) with a fixed seed", () => {
    expect(resolveMatchOptions()).toEqual({
      distance: 0.8,
      matcher: "nn",
      ratio: 0.8,
      ransac: { residual: 20, maxTrials: 1000, trials: "adaptive", seed: 0, model: "affine" },
    });
    expect(resolveMatchOptions({ ransac: { seed: 7, trials: "full" } }).ransac).toEqual({
      ...DEFAULT_MATCH_OPTIONS.ransac, seed: 7, trials: "full",
    });
    expect(resolveMatchOptions({ ransac: { stopProbability: 0.99 } }).ransac.stopProbability).toBe(0.99);
  });

  const invalid: Array<[string, unknown]> = [
    ["distance", { distance: -1 }],
    ["distance", { distance: Number.NaN }],
    ["distance", { distance: "0.8" }],
    ["matcher", { matcher: "knn" }],
    ["ratio", { ratio: 0 }],
    ["ratio", { ratio: 1.5 }],
    ["ransac.residual", { ransac: { residual: 0 } }],
    ["ransac.residual", { ransac: { residual: Infinity } }],
    ["ransac.maxTrials", { ransac: { maxTrials: 0 } }],
    ["ransac.maxTrials", { ransac: { maxTrials: 2.5 } }],
    ["ransac.maxTrials", { ransac: { maxTrials: 1e7 } }],
    ["ransac.trials", { ransac: { trials: "some" } }],
    ["ransac.seed", { ransac: { seed: -1 } }],
    ["ransac.seed", { ransac: { seed: 2 ** 32 } }],
    ["ransac.seed", { ransac: { seed: 0.5 } }],
    ["ransac.model", { ransac: { model: "similarity" } }],
    ["ransac.stopProbability", { ransac: { stopProbability: 1.01 } }],
    ["unknown option foo", { foo: 1 }],
    ["unknown option ransac.minSamples", { ransac: { minSamples: 3 } }],
    ["options must be an object", [1, 2]],
    ["ransac must be an object", { ransac: 5 }],
  ];
  for (const [field, input] of invalid) {
    it(`rejects ${JSON.stringify(input)} with code invalid_options naming ${field}`, async () => {
      let error: unknown;
      try {
        resolveMatchOptions(input);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: "invalid_options" });
      expect((error as Error).message).toContain(field);
      // matchAndVerify validates before doing any work
      const k = await kernels();
      const f = features([[0, 0]]);
      expect(() => matchAndVerify(k, f, f, input as never)).toThrowError(expect.objectContaining({ code: "invalid_options" }));
    });
  }
});
