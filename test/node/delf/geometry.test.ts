// End-to-end geometry with synthetic weights: what catches x/y swaps, scale and offset mistakes.
import { beforeAll, describe, expect, it } from "vitest";
import { syntheticDelfModel, type DelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import type { Pixels } from "../../../src/types";
import { applyAffine, cropPixels, haveShared, loadImage, matchFeatures, ransacAffine, startNodeRuntime, warnIfNoShared, warpPixels, xy } from "./helpers";

warnIfNoShared("DELF geometry tests");

describe.skipIf(!haveShared)("DELF geometry on graf img1 (synthetic:1 weights)", () => {
  let model: DelfModel;
  let graf: Pixels;
  beforeAll(async () => {
    await startNodeRuntime();
    model = syntheticDelfModel(1);
    graf = await loadImage("pairs/graf/img1.png");
  });

  it("a translation by a multiple of 32 processed pixels comes back exactly", async () => {
    const [dx, dy] = [64, 32];
    const a = cropPixels(graf, 240, 200, 256, 256);
    const b = cropPixels(graf, 240 + dx, 200 + dy, 256, 256); // b(p) = a(p + (dx, dy))
    const opts = { scales: [1.0], scoreThreshold: 0 };
    const fa = await extractDelfFeatures(model, a, opts);
    const fb = await extractDelfFeatures(model, b, opts);
    expect(fa.count).toBe(64);
    const pairs = matchFeatures(fa, fb);
    const fit = ransacAffine(pairs.map(([i]) => xy(fa, i)), pairs.map(([, j]) => xy(fb, j)));
    expect(fit).not.toBeNull();
    expect(fit!.inliers).toBeGreaterThanOrEqual(12);
    for (const [x, y] of [[0, 0], [255, 0], [0, 255], [255, 255]]) {
      const [bx, by] = applyAffine(fit!.model, x, y);
      expect(bx).toBeCloseTo(x - dx, 3);
      expect(by).toBeCloseTo(y - dy, 3);
    }
  });

  it("a mild affine (5°, ×0.9, shift) of a non-square crop is recovered within 10 px at every corner", async () => {
    const [w, h] = [320, 240];
    const [ox, oy] = [220, 180];
    const a = cropPixels(graf, ox, oy, w, h);
    // b(q) = graf(T(q)), T = rotation 5° and scale 1/0.9 about the crop centre, plus a shift.
    const angle = (5 * Math.PI) / 180, s = 1 / 0.9;
    const [cx, cy] = [ox + w / 2, oy + h / 2];
    const [tx, ty] = [12, -9];
    const T = (x: number, y: number): [number, number] => {
      const [u, v] = [x - w / 2 - tx, y - h / 2 - ty];
      return [cx + s * (Math.cos(angle) * u - Math.sin(angle) * v), cy + s * (Math.sin(angle) * u + Math.cos(angle) * v)];
    };
    const b = warpPixels(graf, w, h, T);
    const opts = { scales: [1.0, 1.4142, 2.0], scoreThreshold: 0 };
    const fa = await extractDelfFeatures(model, a, opts);
    const fb = await extractDelfFeatures(model, b, opts);
    expect(fa.count).toBeGreaterThan(20);
    expect(fb.count).toBeGreaterThan(20);
    const pairs = matchFeatures(fa, fb);
    const fit = ransacAffine(pairs.map(([i]) => xy(fa, i)), pairs.map(([, j]) => xy(fb, j)));
    expect(fit).not.toBeNull();
    // truth: a pixel p of a is graf(p + o); in b it sits at T⁻¹(p + o)
    const inverse = (X: number, Y: number): [number, number] => {
      const [u, v] = [(X - cx) / s, (Y - cy) / s];
      return [Math.cos(angle) * u + Math.sin(angle) * v + w / 2 + tx, -Math.sin(angle) * u + Math.cos(angle) * v + h / 2 + ty];
    };
    for (const [x, y] of [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]]) {
      const [ex, ey] = inverse(x + ox, y + oy);
      const [gx, gy] = applyAffine(fit!.model, x, y);
      expect(Math.hypot(gx - ex, gy - ey)).toBeLessThan(10);
    }
  });
});
