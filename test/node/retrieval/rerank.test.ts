// Batched geometric re-rank: order by (inliers desc, score desc, input order), the transform's
// direction (query → candidate) and that it equals one matchAndVerify per candidate.
import { describe, expect, it } from "vitest";
import { loadKernelsInNode } from "../../../src/match/node-kernels";
import { InvalidMatchOptionsError, type FeatureSet as MatchFeatures } from "../../../src/match";
import type { FeatureSet } from "../../../src/features/feature-set";
import { rerankCandidates } from "../../../src/retrieval/core";
import { syntheticPair } from "../../../scripts/bench/kernels";

function wrap(f: MatchFeatures): FeatureSet {
  return {
    features: { ...f, scales: new Float32Array(f.count).fill(1), scores: new Float32Array(f.count) },
    image: null, processed: null, model: null,
  };
}

const empty = wrap({ count: 0, dim: 40, descriptors: new Float32Array(0), locations: new Float32Array(0) });

describe("rerankCandidates", () => {
  it("sorts by (inliers desc, score desc, input order); the true pair wins with most of its inliers", async () => {
    const k = await loadKernelsInNode();
    const good = syntheticPair(300, 40, 0.6, 1);
    const weak = syntheticPair(300, 40, 0.1, 2);
    const query = wrap(good.f2);
    const candidates = [
      { id: "empty-a", score: 0.9, features: empty },
      { id: "weak", score: 0.99, features: wrap(weak.f1) },
      { id: "good", score: 0.1, features: wrap(good.f1) },
      { id: "empty-b", score: 0.9, features: empty },
      { id: "empty-c", score: 0.95, features: empty },
    ];
    const r = rerankCandidates(k, query, candidates, { ransac: { trials: "full" } });
    expect(r.map((c) => c.id)).toEqual(["good", "weak", "empty-c", "empty-a", "empty-b"]);
    expect(r[0].numInliers).toBeGreaterThan(150);
    expect(r[1].numInliers).toBeLessThan(r[0].numInliers / 3);
    expect(r[2]).toMatchObject({ numInliers: 0, transform: null, score: 0.95 });
    // Query → candidate: the synthetic map sends candidate (x, y) to 0.9x − 0.1y + 20, 0.1x + 0.9y − 10.
    const m = r[0].transform!.matrix;
    expect(r[0].transform!.type).toBe("affine");
    const inverse = [[0.9, -0.1], [0.1, 0.9]];
    const det = 0.9 * 0.9 + 0.1 * 0.1;
    expect(m[0][0]).toBeCloseTo(inverse[1][1] / det, 1);
    expect(m[0][1]).toBeCloseTo(-inverse[0][1] / det, 1);
  });

  it("rejects bad options with invalid_options", async () => {
    const k = await loadKernelsInNode();
    expect(() => rerankCandidates(k, empty, [], { ransac: { residual: -1 } })).toThrow(InvalidMatchOptionsError);
  });
});
