import { describe, expect, it } from "vitest";
import { matchAndVerify, type Matcher } from "../../../src/match/index";
import { syntheticPair } from "../../../scripts/bench/kernels";
import { kernels } from "./helpers";

describe("kernel memory", () => {
  it("a 1000 × 1000 × 40 match + RANSAC (every matcher, both models) fits in 1 MiB of wasm memory, and repeats do not grow it", async () => {
    const k = await kernels();
    const { f1, f2 } = syntheticPair(1000, 40, 0.5);
    const matchers: Matcher[] = ["nn", "mnn", "ratio", "mnn-ratio"];
    for (const matcher of matchers) {
      for (const model of ["affine", "homography"] as const) {
        const r = matchAndVerify(k, f1, f2, { matcher, ransac: { model, trials: "full" } });
        expect(r.putative.length).toBeGreaterThan(900);
        expect(r.numInliers).toBeGreaterThan(400);
      }
    }
    const after = k.memoryBytes();
    expect(after).toBeLessThanOrEqual(2 ** 20);
    for (let i = 0; i < 10; i++) matchAndVerify(k, f1, f2);
    expect(k.memoryBytes()).toBe(after);
  });
});
