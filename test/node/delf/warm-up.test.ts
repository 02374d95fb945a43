// The model load's warm-up passes (src/delf/model.ts): locally the pass times decide when tier-up has
// settled (2–6 passes); deployed Workers freeze performance.now() during synchronous work, where every
// pass measures 0 ms, and then a fixed 3 passes run instead of stopping after 2.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { syntheticDelfModel, type ModelLoadReport } from "../../../src/delf/model";
import { startNodeRuntime } from "./helpers";

describe("model warm-up passes", () => {
  beforeAll(() => startNodeRuntime());
  afterEach(() => vi.restoreAllMocks());

  function passesWith(options: { warmUpPasses?: number } = {}): number {
    const report: ModelLoadReport = { packMs: 0, warmUpMs: 0 };
    syntheticDelfModel(1, { ...options, report }).dispose();
    return report.warmUpPasses!;
  }

  it("with a running clock: between 2 and 6 passes", () => {
    const passes = passesWith();
    expect(passes).toBeGreaterThanOrEqual(2);
    expect(passes).toBeLessThanOrEqual(6);
  });

  it("with a frozen clock (deployed Workers): 3 passes, never more than asked", () => {
    vi.spyOn(performance, "now").mockReturnValue(1000);
    expect(passesWith()).toBe(3);
    expect(passesWith({ warmUpPasses: 1 })).toBe(1);
  });
});
