// The shared-word re-rank: stored feature words (packed features DELFPF02, DELFPF01 still readable),
// the same-word mutual nearest neighbours against a brute-force reference, and a re-rank through it.
import { describe, expect, it } from "vitest";
import { loadKernelsInNode } from "../../../src/match/node-kernels";
import type { FeatureSet as MatchFeatures } from "../../../src/match";
import type { FeatureSet } from "../../../src/features/feature-set";
import { assignWords, rerankCandidates } from "../../../src/retrieval/core";
import { sharedWordPairs } from "../../../src/retrieval/core/shared-word-pairs";
import { packFeatures, unpackFeatures, PackedFeaturesError } from "../../../src/retrieval/store/packed-features";
import { syntheticPair } from "../../../scripts/bench/kernels";
import { mulberry32 } from "../../shared/prng";

function wrap(f: MatchFeatures): FeatureSet {
  return {
    features: { ...f, scales: new Float32Array(f.count).fill(1), scores: new Float32Array(f.count).fill(0.5) },
    image: { width: 640, height: 480 }, processed: null, model: null,
  };
}

/** Every pair (c, q) of one word, mutual nearest within the word (ties: lower index), d² < bound² strictly. */
function reference(c: Float32Array, cw: Int32Array, q: Float32Array, qw: Int32Array, dim: number, boundSq: number): Array<[number, number]> {
  const d2 = (x: Float32Array, a: number, y: Float32Array, b: number) => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += (x[a * dim + k] - y[b * dim + k]) ** 2;
    return s;
  };
  const nearestOf = (x: Float32Array, a: number, y: Float32Array, yw: Int32Array, w: number) => {
    let best = -1;
    let bestD = Infinity;
    for (let b = 0; b < yw.length; b++) if (yw[b] === w && d2(x, a, y, b) < bestD) [best, bestD] = [b, d2(x, a, y, b)];
    return { best, bestD };
  };
  const out: Array<[number, number]> = [];
  for (let i = 0; i < qw.length; i++) {
    if (qw[i] < 0) continue;
    const { best, bestD } = nearestOf(q, i, c, cw, qw[i]);
    if (best >= 0 && bestD < boundSq && nearestOf(c, best, q, qw, qw[i]).best === i) out.push([best, i]);
  }
  return out;
}

describe("shared-word re-rank", () => {
  it("packed features keep each feature's word (DELFPF02); DELFPF01 objects read back with no words", () => {
    const set = wrap(syntheticPair(50, 40, 0.5, 3).f1);
    const words = Int32Array.from({ length: 50 }, (_, i) => (i === 7 ? -1 : 1000 + 3 * i));
    const v2 = unpackFeatures(packFeatures(set, words));
    expect(Array.from(v2.words!)).toEqual(Array.from(words));
    expect(Array.from(v2.set.features.descriptors)).toEqual(Array.from(set.features.descriptors));
    const v1 = unpackFeatures(packFeatures(set));
    expect(v1.words).toBeNull();
    expect(Array.from(v1.set.features.locations)).toEqual(Array.from(set.features.locations));
    expect(() => unpackFeatures(packFeatures(set, words).slice(0, -4))).toThrow(PackedFeaturesError);
    expect(() => packFeatures(set, words.subarray(1))).toThrow(RangeError);
  });

  it("sharedWordPairs equals a brute-force same-word mutual NN, with the strict distance bound", async () => {
    const k = await loadKernelsInNode();
    const rand = mulberry32(21);
    const pair = syntheticPair(400, 40, 0.5, 4);
    const centroids = Float32Array.from({ length: 24 * 40 }, () => rand() * 2 - 1);
    const cw = assignWords(k, centroids, 24, 40, pair.f1.descriptors, pair.f1.count, 1).words;
    const qw = assignWords(k, centroids, 24, 40, pair.f2.descriptors, pair.f2.count, 1).words;
    qw[5] = -1;
    for (const bound of [0.8, 0.3, 1.5]) {
      const got = sharedWordPairs({ descriptors: pair.f1.descriptors, words: cw }, { descriptors: pair.f2.descriptors, words: qw }, 40, bound * bound);
      const want = reference(pair.f1.descriptors, cw, pair.f2.descriptors, qw, 40, bound * bound);
      expect(got).toEqual(want);
      if (bound === 0.8) expect(got.length).toBeGreaterThan(50);
    }
    // A pair exactly at the bound is rejected (d² < bound², as /v1/match).
    const a = Float32Array.of(0, 0);
    const b = Float32Array.of(0.5, 0);
    expect(sharedWordPairs({ descriptors: a, words: Int32Array.of(1) }, { descriptors: b, words: Int32Array.of(1) }, 2, 0.25)).toEqual([]);
    expect(sharedWordPairs({ descriptors: a, words: Int32Array.of(1) }, { descriptors: b, words: Int32Array.of(1) }, 2, 0.2500001)).toEqual([[0, 0]]);
    expect(sharedWordPairs({ descriptors: a, words: Int32Array.of(1) }, { descriptors: b, words: Int32Array.of(2) }, 2, 1)).toEqual([]);
  });

  it("a re-rank on shared-word pairs finds the true pair first; without stored words a candidate gets the exact pairs", async () => {
    const k = await loadKernelsInNode();
    const good = syntheticPair(300, 40, 0.6, 1);
    const weak = syntheticPair(300, 40, 0.1, 2);
    const rand = mulberry32(22);
    const centroids = Float32Array.from({ length: 16 * 40 }, () => rand() * 2 - 1);
    const wordsOf = (f: MatchFeatures) => assignWords(k, centroids, 16, 40, f.descriptors, f.count, 1).words;
    const query = wrap(good.f2);
    const candidates = [
      { id: "weak", score: 0.99, features: wrap(weak.f1), words: wordsOf(weak.f1) },
      { id: "good", score: 0.1, features: wrap(good.f1), words: wordsOf(good.f1) },
    ];
    const shared = rerankCandidates(k, query, candidates, { ransac: { trials: "full" } }, { pairs: "shared-words", query: wordsOf(good.f2) });
    const exact = rerankCandidates(k, query, candidates, { ransac: { trials: "full" } });
    expect(shared.map((c) => c.id)).toEqual(["good", "weak"]);
    expect(shared[0].numInliers).toBeGreaterThan(100);
    expect(shared[0].numInliers).toBeLessThanOrEqual(exact[0].numInliers);
    // No stored words: the same as the exact re-rank.
    const noWords = candidates.map((c) => ({ ...c, words: null }));
    const fallback = rerankCandidates(k, query, noWords, { ransac: { trials: "full" } }, { pairs: "shared-words", query: wordsOf(good.f2) });
    expect(fallback.map((c) => [c.id, c.numInliers])).toEqual(exact.map((c) => [c.id, c.numInliers]));
  });
});
