import { describe, expect, it } from "vitest";
import {
  DEFAULT_MATCH_OPTIONS, SeededRandom, applyTransform, drawSamples, dynamicTrialCount, ransac, referenceRansac,
  squaredResidualBound, type RansacOptions,
} from "../../../src/match/index";
import { kernels, uniform } from "./helpers";

const tutorial: RansacOptions = { ...DEFAULT_MATCH_OPTIONS.ransac };
const full: RansacOptions = { ...tutorial, trials: "full" };
const adaptive: RansacOptions = { ...tutorial, trials: "adaptive" };

const xy = (points: number[][]) => Float64Array.from(points.flat());

/** The refit is an eigen-decomposition (like skimage's SVD): exact up to ~1e-15. */
function expectMatrixClose(got: number[][] | null, want: number[][]): void {
  expect(got).not.toBeNull();
  got!.forEach((row, r) => row.forEach((v, c) => expect(Math.abs(v - want[r][c])).toBeLessThan(1e-12)));
}

/** Points mapped by the 2×3 affine [[a, b, c], [d, e, f]] (x, y) plus uniform noise of ±noise. */
function planted(
  random: SeededRandom, count: number, inliers: number, affine: number[], noise: number,
): { src: Float64Array; dst: Float64Array; isInlier: boolean[] } {
  const src = new Float64Array(count * 2);
  const dst = new Float64Array(count * 2);
  const isInlier: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const x = Math.fround(uniform(random) * 640), y = Math.fround(uniform(random) * 480);
    src[2 * i] = x;
    src[2 * i + 1] = y;
    const inlier = i < inliers;
    isInlier.push(inlier);
    if (inlier) {
      dst[2 * i] = Math.fround(affine[0] * x + affine[1] * y + affine[2] + (uniform(random) * 2 - 1) * noise);
      dst[2 * i + 1] = Math.fround(affine[3] * x + affine[4] * y + affine[5] + (uniform(random) * 2 - 1) * noise);
    } else {
      dst[2 * i] = Math.fround(uniform(random) * 640);
      dst[2 * i + 1] = Math.fround(uniform(random) * 480);
    }
  }
  return { src, dst, isInlier };
}

describe("RANSAC: spec vectors and scikit-image's rules", () => {
  it("spec §9.10: (y,x) (0,0),(1,0),(0,1) → (2,3),(4,3),(2,5): A = 2I, t = (2,3), 1 trial, all inliers", async () => {
    const k = await kernels();
    // As (y, x) pairs, exactly as the tutorial passes DELF locations:
    const yx = ransac(k, xy([[0, 0], [1, 0], [0, 1]]), xy([[2, 3], [4, 3], [2, 5]]), adaptive);
    expectMatrixClose(yx.transform, [[2, 0, 2], [0, 2, 3], [0, 0, 1]]);
    expect(yx.inliers).toEqual([true, true, true]);
    expect(yx.trials).toBe(1);
    // Swapping to (x, y) in both sets leaves the mask unchanged; the matrix is the swapped one.
    const swapped = ransac(k, xy([[0, 0], [0, 1], [1, 0]]), xy([[3, 2], [3, 4], [5, 2]]), adaptive);
    expectMatrixClose(swapped.transform, [[2, 0, 3], [0, 2, 2], [0, 0, 1]]);
    expect(yx.transform![2]).toEqual([0, 0, 1]);
    expect(swapped.inliers).toEqual(yx.inliers);
  });

  it("dynamic trial counts (stop_probability 1): ratio 1 → 1, 0.8 → 51, 0.6 → 149, 0.5 → 270, 0.3 → 1317", () => {
    expect([10, 8, 6, 5, 3].map((c) => dynamicTrialCount(c, 10, 3, 1))).toEqual([1, 51, 149, 270, 1317]);
    expect(dynamicTrialCount(0, 10, 3, 1)).toBe(Infinity);
    expect(dynamicTrialCount(5, 10, 3, 0)).toBe(0);
    expect(dynamicTrialCount(5, 10, 3, 0.99)).toBe(35);
  });

  it("inlier iff the rounded residual < threshold: boundary 399.99999999999994 for 20 (√ of it rounds to 20)", async () => {
    const X = squaredResidualBound(20);
    expect(X).toBe(399.99999999999994);
    expect(Math.sqrt(X)).toBe(20);
    expect(Math.sqrt(399.9999999999999)).toBeLessThan(20);
    // 3 exact pairs (identity) + one pair whose squared residual is exactly X (its residual rounds
    // to 20: skimage says "not < 20") and one just inside, on the other side (an inlier). Both
    // extra pairs share the src point (0, 0), so the identity is the best model (worked by hand).
    const k = await kernels();
    const [ax, ay] = [11.99999999999993, 16.00000000000005];
    expect(ax * ax + ay * ay).toBe(X);
    expect(Math.sqrt(ax * ax + ay * ay)).toBe(20);
    const grid = [[0, 0], [10, 0], [0, 10]];
    const src = xy([...grid, [0, 0], [0, 0]]);
    const dst = xy([...grid, [ax, ay], [0, -19.999999999999996]]);
    const r = ransac(k, src, dst, { ...full, maxTrials: 200 });
    expect(r.inliers).toEqual([...grid.map(() => true), false, true]);
  });

  it("perfect affine data: adaptive stops after exactly 1 trial with every pair an inlier", async () => {
    const random = new SeededRandom(5);
    const { src, dst } = planted(random, 50, 50, [0.9, -0.1, 20.25, 0.1, 0.9, -10.5], 0);
    const r = ransac(await kernels(), src, dst, adaptive);
    expect(r.trials).toBe(1);
    expect(r.numInliers).toBe(50);
  });

  it("perfect integer data (zero residuals): full mode still runs every trial, as scikit-image 0.19 does", async () => {
    // skimage 0.19.3 on the spec vector plus (1,1) → (4,5): 1000 trials + 1 refit estimate() calls.
    const k = await kernels();
    const src = xy([[0, 0], [1, 0], [0, 1], [1, 1]]);
    const dst = xy([[2, 3], [4, 3], [2, 5], [4, 5]]);
    const r = ransac(k, src, dst, full);
    expect(r.trials).toBe(1000);
    expect(r.bestSsr).toBe(0);
    expect(r.inliers).toEqual([true, true, true, true]);
    expect(ransac(k, src, dst, adaptive).trials).toBe(1);
  });

  it("full mode runs exactly maxTrials (counted), failed estimates included", async () => {
    const k = await kernels();
    const random = new SeededRandom(6);
    const { src, dst } = planted(random, 120, 40, [1.1, 0.05, -30, -0.05, 1.1, 12], 2);
    for (const maxTrials of [1, 37, 1000]) expect(ransac(k, src, dst, { ...full, maxTrials }).trials).toBe(maxTrials);
    // All src points collinear: every estimate fails, yet every trial counts (in both modes).
    const line = xy(Array.from({ length: 20 }, (_, i) => [i, 2 * i + 1]));
    for (const options of [full, adaptive]) {
      const r = ransac(k, line, line, { ...options, maxTrials: 250 });
      expect(r.trials).toBe(250);
      expect(r.numInliers).toBe(0);
      expect(r.transform).toBeNull();
    }
  });

  it("recovers a planted affine among 70 % outliers", async () => {
    const k = await kernels();
    const random = new SeededRandom(7);
    const truth = [0.8, -0.3, 40, 0.25, 0.95, -20];
    const { src, dst, isInlier } = planted(random, 200, 60, truth, 1);
    for (const options of [full, adaptive]) {
      const r = ransac(k, src, dst, options);
      isInlier.forEach((inlier, i) => { if (inlier) expect(r.inliers[i]).toBe(true); });
      expect(r.numInliers).toBeGreaterThanOrEqual(60);
      expect(r.numInliers).toBeLessThanOrEqual(63); // a random outlier may land within 20 px
      const h = r.transform!.flat();
      for (const [x, y] of [[0, 0], [640, 0], [0, 480], [640, 480]]) {
        const [px, py] = applyTransform(h, x, y);
        expect(Math.hypot(px - (truth[0] * x + truth[1] * y + truth[2]), py - (truth[3] * x + truth[4] * y + truth[5]))).toBeLessThan(1.5);
      }
    }
  });

  it("same seed ⇒ same mask, trial and transform; the seed matters", async () => {
    const k = await kernels();
    const random = new SeededRandom(8);
    const { src, dst } = planted(random, 150, 45, [1, 0, 5, 0, 1, -5], 8);
    const a = ransac(k, src, dst, { ...full, seed: 11 });
    const b = ransac(k, src, dst, { ...full, seed: 11 });
    expect(b).toEqual(a);
    const others = [12, 13, 14, 15].map((seed) => ransac(k, src, dst, { ...full, seed }).bestTrial);
    expect(others.some((t) => t !== a.bestTrial)).toBe(true);
  });

  it("fewer pairs than a sample: no inliers, no transform, 0 trials (not an error)", async () => {
    const k = await kernels();
    for (const n of [0, 1, 2]) {
      const pts = xy(Array.from({ length: n }, (_, i) => [i, i * i]));
      expect(ransac(k, pts, pts, tutorial)).toMatchObject({ inliers: new Array(n).fill(false), numInliers: 0, transform: null, trials: 0 });
    }
    const three = xy([[0, 0], [1, 0], [0, 1]]);
    expect(ransac(k, three, three, { ...tutorial, model: "homography" })).toMatchObject({ numInliers: 0, transform: null, trials: 0 });
  });

  it("homography option: recovers a planted homography (4-point normalised DLT)", async () => {
    const k = await kernels();
    const random = new SeededRandom(9);
    const H = [0.9, 0.1, 15, -0.05, 1.05, 8, 2e-4, -1e-4, 1];
    const count = 150;
    const src = new Float64Array(count * 2);
    const dst = new Float64Array(count * 2);
    for (let i = 0; i < count; i++) {
      src[2 * i] = uniform(random) * 640;
      src[2 * i + 1] = uniform(random) * 480;
      const [X, Y] = i < 75 ? applyTransform(H, src[2 * i], src[2 * i + 1]) : [uniform(random) * 640, uniform(random) * 480];
      dst[2 * i] = X + (uniform(random) - 0.5);
      dst[2 * i + 1] = Y + (uniform(random) - 0.5);
    }
    const r = ransac(k, src, dst, { ...full, model: "homography" });
    expect(r.model).toBe("homography");
    for (let i = 0; i < 75; i++) expect(r.inliers[i]).toBe(true);
    const h = r.transform!.flat();
    for (const [x, y] of [[0, 0], [640, 0], [0, 480], [640, 480]]) {
      const [px, py] = applyTransform(h, x, y);
      const [tx, ty] = applyTransform(H, x, y);
      expect(Math.hypot(px - tx, py - ty)).toBeLessThan(2);
    }
  });
});

describe("RANSAC: kernel = plain-TS reference for the same sample sequence", () => {
  it("identical masks, trial counts, best trials, residual sums and transforms on random data", async () => {
    const k = await kernels();
    const random = new SeededRandom(10);
    let compared = 0;
    for (const count of [3, 4, 5, 9, 64, 251, 600]) {
      for (const inlierShare of [0.2, 0.6, 1]) {
        const { src, dst } = planted(random, count, Math.round(count * inlierShare), [0.7, 0.2, 10, -0.2, 0.7, 30], 6);
        // many-to-one matching repeats image-1 points: duplicate some src points
        for (let d = 0; d < count / 8; d++) {
          const a = random.below(count), b = random.below(count);
          src[2 * b] = src[2 * a];
          src[2 * b + 1] = src[2 * a + 1];
        }
        for (const model of ["affine", "homography"] as const) {
          for (const trials of ["full", "adaptive"] as const) {
            const options = { ...tutorial, model, trials, maxTrials: 300, seed: count };
            const got = ransac(k, src, dst, options);
            const want = referenceRansac(src, dst, options);
            expect(got, `${count} pairs ${inlierShare} ${model} ${trials}`).toEqual(want);
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(84);
  });

  it("the sample generator is pinned: seed 42 → literal index triples (same on every runtime)", () => {
    expect(Array.from(drawSamples(42, 10, 3, 3))).toEqual([4, 7, 2, 2, 0, 6, 8, 4, 2]);
    expect(Array.from(drawSamples(42, 10, 4, 2))).toEqual([4, 7, 2, 0, 0, 6, 8, 4]);
    const r = new SeededRandom(0);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([3809008728, 1133695204, 53579671, 2891528803]);
  });
});
