import { describe, expect, it } from "vitest";
import {
  InvalidFeaturesError, SeededRandom, nearestNeighbours, referenceNearestNeighbours, type FeatureSet, type Matcher,
} from "../../../src/match/index";
import { referenceSquaredDistance } from "../../../src/match/reference";
import { features, kernels, randomRows, uniform } from "./helpers";

const tutorial = { distance: 0.8, matcher: "nn" as Matcher, ratio: 0.8 };
const origin3 = features([[0, 0, 0]]);

describe("nearest neighbours: the bound, decided exactly as scipy's float64 cKDTree", () => {
  // Each query vector below was searched for so that its f64 squared distance (scipy's summation
  // order) sits exactly on, or within float32 rounding of, 0.8² — and checked against scipy 1.10's
  // cKDTree(...).query(q, distance_upper_bound=0.8) once (results quoted in the comments).
  it("rejects a pair at distance exactly 0.8 (d² = fl(0.8·0.8), √d² = 0.8): scipy → index N, inf", async () => {
    const q = [0.7463719248771667, 0.2879736125469208, 0.00038500886876136065];
    const d2 = referenceSquaredDistance(origin3.descriptors, 0, Float32Array.from(q), 0, 3);
    expect(d2).toBe(0.8 * 0.8);
    expect(Math.sqrt(d2)).toBe(0.8);
    expect(nearestNeighbours(await kernels(), origin3, features([q]), tutorial).putative).toEqual([]);
  });

  it("accepts a pair at distance 0.7999 (scipy → index 0, 0.7998999953269958)", async () => {
    const r = nearestNeighbours(await kernels(), origin3, features([[0.7999, 0, 0]]), tutorial);
    expect(r.putative).toEqual([[0, 0]]);
    expect(r.distances[0]).toBe(Math.fround(0.7998999953269958));
  });

  it("accepts d² = 0.64 (the double), below fl(0.8²), although √d² prints as 0.8 (scipy → index 0, 0.8)", async () => {
    const q = [0.7849833369255066, 0.15427608788013458, 0.0002223908668383956];
    expect(referenceSquaredDistance(origin3.descriptors, 0, Float32Array.from(q), 0, 3)).toBe(0.64);
    expect(nearestNeighbours(await kernels(), origin3, features([q]), tutorial).putative).toEqual([[0, 0]]);
  });

  it("accepts where float32 arithmetic would reject (f64 d² 0.6399999999999786, f32 0.64000004529953)", async () => {
    const q = [0.7428693175315857, 0.2968909442424774, 0.0009717494249343872];
    let f32 = Math.fround(0);
    for (const v of q) f32 = Math.fround(f32 + Math.fround(v * v));
    expect(f32).toBe(0.64000004529953); // a float32 decision would say "not < 0.64"
    expect(nearestNeighbours(await kernels(), origin3, features([q]), tutorial).putative).toEqual([[0, 0]]);
  });

  it("rejects where float32 arithmetic would accept (f64 d² 0.6400000100009174, f32 0.6399999260902405)", async () => {
    const q = [0.5236831903457642, 0.6047268509864807, 0.007833380252122879];
    let f32 = Math.fround(0);
    for (const v of q) f32 = Math.fround(f32 + Math.fround(v * v));
    expect(f32).toBe(0.6399999260902405);
    expect(nearestNeighbours(await kernels(), origin3, features([q]), tutorial).putative).toEqual([]);
  });
});

describe("nearest neighbours: ties, direction, options, edge cases", () => {
  it("breaks exact distance ties by the lowest image-1 index", async () => {
    const f1 = features([[0, 1], [1, 0], [0, 1], [-1, 0]]);
    const f2 = features([[0, 0], [0.5, 0.5]]);
    const r = nearestNeighbours(await kernels(), f1, f2, { ...tutorial, distance: 2 });
    // query 0: all four at distance 1 → 0; query 1: rows 0, 1, 2 all at √0.5 → 0.
    expect(r.putative).toEqual([[0, 0], [0, 1]]);
  });

  it("is one-way and many-to-one, listed in ascending image-2 index", async () => {
    const f1 = features([[0, 0], [5, 5]]);
    const f2 = features([[5, 5.1], [0.1, 0], [0.2, 0], [9, 9]]);
    const r = nearestNeighbours(await kernels(), f1, f2, { ...tutorial, distance: 0.5 });
    expect(r.putative).toEqual([[1, 0], [0, 1], [0, 2]]);
    const expected = r.putative.map(([i1, i2]) => Math.sqrt(referenceSquaredDistance(f1.descriptors, i1, f2.descriptors, i2, 2)));
    expect(Array.from(r.distances)).toEqual(expected.map(Math.fround));
    expect(expected[1]).toBeCloseTo(0.1, 6);
  });

  it("mutual, ratio and both: literal cases", async () => {
    const k = await kernels();
    const f1 = features([[0, 0], [0.5, 0]]);
    const f2 = features([[0.1, 0], [0.2, 0]]);
    expect(nearestNeighbours(k, f1, f2, { ...tutorial, matcher: "nn" }).putative).toEqual([[0, 0], [0, 1]]);
    expect(nearestNeighbours(k, f1, f2, { ...tutorial, matcher: "mnn" }).putative).toEqual([[0, 0]]);
    // ratios: query 0 → 0.1 / 0.4 = 0.25, query 1 → 0.2 / 0.3 = 0.667
    expect(nearestNeighbours(k, f1, f2, { ...tutorial, matcher: "ratio", ratio: 0.7 }).putative).toEqual([[0, 0], [0, 1]]);
    expect(nearestNeighbours(k, f1, f2, { ...tutorial, matcher: "ratio", ratio: 0.6 }).putative).toEqual([[0, 0]]);
    expect(nearestNeighbours(k, f1, f2, { ...tutorial, matcher: "mnn-ratio", ratio: 0.2 }).putative).toEqual([]);
    // a single image-1 row has no second neighbour: the ratio test passes
    expect(nearestNeighbours(k, features([[0, 0]]), f2, { ...tutorial, matcher: "ratio", ratio: 0.1 }).putative)
      .toEqual([[0, 0], [0, 1]]);
  });

  it("handles empty inputs on either side", async () => {
    const k = await kernels();
    const empty: FeatureSet = { count: 0, dim: 40, descriptors: new Float32Array(0), locations: new Float32Array(0) };
    const one = features([new Array(40).fill(0)]);
    for (const [a, b] of [[empty, one], [one, empty], [empty, empty]]) {
      const r = nearestNeighbours(k, a, b, tutorial);
      expect(r.putative).toEqual([]);
      expect(r.distances.length).toBe(0);
    }
  });

  it("rejects malformed features with code invalid_request", async () => {
    const k = await kernels();
    const bad = [
      { count: 2, dim: 2, descriptors: new Float32Array(3), locations: new Float32Array(4) },
      { count: 1, dim: 257, descriptors: new Float32Array(257), locations: new Float32Array(2) },
      { count: 1, dim: 2, descriptors: Float32Array.of(NaN, 0), locations: new Float32Array(2) },
      { count: 1, dim: 2, descriptors: Float32Array.of(1e17, 0), locations: new Float32Array(2) },
      { count: 1, dim: 2, descriptors: Float32Array.of(0, 0), locations: Float32Array.of(Infinity, 0) },
    ];
    for (const f of bad) {
      expect(() => nearestNeighbours(k, f, features([[0, 0]]), tutorial)).toThrow(InvalidFeaturesError);
    }
    expect(() => nearestNeighbours(k, features([[0, 0]]), features([[0, 0, 0]]), tutorial)).toThrowError(
      expect.objectContaining({ code: "invalid_request" }),
    );
  });
});

describe("nearest neighbours: kernel = plain-TS float64 reference on random data", () => {
  it("picks the float64 winner among candidates closer together than the i16 quantisation step", async () => {
    const k = await kernels();
    const random = new SeededRandom(77);
    const dim = 40;
    const base = randomRows(random, 1, dim);
    // 200 image-1 rows = base + perturbations from 1e-7 to 1e-3 (many below the quantisation step
    // of ~2e-5); queries = base + other tiny perturbations. Every query has a crowd of near-ties.
    const n1 = 200;
    const d1 = new Float32Array(n1 * dim);
    for (let i = 0; i < n1; i++) {
      const size = 10 ** (-7 + (4 * i) / n1);
      for (let c = 0; c < dim; c++) d1[i * dim + c] = base[c] + (uniform(random) - 0.5) * size;
    }
    const n2 = 60;
    const d2 = new Float32Array(n2 * dim);
    for (let i = 0; i < n2; i++) for (let c = 0; c < dim; c++) d2[i * dim + c] = base[c] + (uniform(random) - 0.5) * 1e-6;
    const f1 = { count: n1, dim, descriptors: d1, locations: new Float32Array(n1 * 2) };
    const f2 = { count: n2, dim, descriptors: d2, locations: new Float32Array(n2 * 2) };
    for (const matcher of ["nn", "mnn", "ratio", "mnn-ratio"] as Matcher[]) {
      const options = { distance: 0.8, matcher, ratio: 0.999 };
      expect(nearestNeighbours(k, f1, f2, options).putative).toEqual(referenceNearestNeighbours(f1, f2, options).putative);
    }
    const nn = nearestNeighbours(k, f1, f2, tutorial).putative;
    expect(nn.length).toBe(n2);
    expect(new Set(nn.map(([i1]) => i1)).size).toBeGreaterThan(3); // the winners really differ
  });

  const matchers: Matcher[] = ["nn", "mnn", "ratio", "mnn-ratio"];
  for (const dim of [1, 2, 3, 5, 8, 40, 129, 256]) {
    it(`dim ${dim}: identical putatives for every matcher`, async () => {
      const k = await kernels();
      const random = new SeededRandom(1000 + dim);
      for (const [n1, n2] of [[1, 1], [2, 3], [17, 33], [150, 97]]) {
        const d1 = randomRows(random, n1, dim, Math.floor(n1 / 5));
        // image 2: near copies of image-1 rows (some nudged by one float32 ulp: near-ties), and noise
        const d2 = randomRows(random, n2, dim);
        for (let i = 0; i < n2; i += 2) {
          const src = random.below(n1);
          for (let c = 0; c < dim; c++) {
            const v = d1[src * dim + c];
            d2[i * dim + c] = i % 4 === 0 ? v + (uniform(random) - 0.5) * 0.02 : v;
          }
          if (i % 4 === 2) d2[i * dim] = Math.fround(d2[i * dim] * (1 + 2 ** -23));
        }
        const f1 = { count: n1, dim, descriptors: d1, locations: new Float32Array(n1 * 2) };
        const f2 = { count: n2, dim, descriptors: d2, locations: new Float32Array(n2 * 2) };
        for (const matcher of matchers) {
          const options = { distance: 0.3 * Math.sqrt(dim), matcher, ratio: 0.8 };
          const got = nearestNeighbours(k, f1, f2, options);
          const want = referenceNearestNeighbours(f1, f2, options);
          expect(got.putative, `${n1}×${n2} ${matcher}`).toEqual(want.putative);
          expect(Array.from(got.distances)).toEqual(Array.from(want.distances));
          if (matcher === "nn" && n2 > 3) expect(want.putative.length).toBeGreaterThan(n2 / 4);
        }
      }
    });
  }
});
