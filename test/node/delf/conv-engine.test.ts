// The wasm conv engine (assembly/conv: implicit GEMM + Winograd F(2×2,3×3), relaxed-SIMD and SIMD128
// builds) against the plain tfjs path on real photos: same keypoints and descriptors within the
// fidelity bounds. Two images, three sizes (one non-square), scales up to 2.0, synthetic weights.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticDelfModel, type DelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { fitImage } from "../../../src/image/fit";
import { bestConvKernelFlavour, type ConvKernelFlavour } from "../../../src/delf/conv-engine/kernel";
import type { Features, Pixels } from "../../../src/types";
import { cropPixels, haveShared, loadImage, startNodeRuntime, warnIfNoShared } from "./helpers";

warnIfNoShared("conv engine vs plain tfjs on real photos");

/** Score threshold used here: the synthetic weights' scores spread around it, so many cells are cut. */
const THRESHOLD = 100;
/**
 * A keypoint may be present in one output and not the other only if its score is this close
 * (relative) to the threshold: float32 summation order alone can move it across (a near-tie).
 */
const NEAR_TIE = 1e-4;

const key = (f: Features, i: number) => `${f.locations[2 * i]},${f.locations[2 * i + 1]},${f.scales[i]}`;

function compare(fast: Features, plain: Features): { matched: number; nearTies: number; worstCos: number } {
  const index = new Map<string, number>();
  for (let i = 0; i < plain.count; i++) index.set(key(plain, i), i);
  let matched = 0, nearTies = 0, worstCos = 1;
  const seen = new Set<number>();
  const nearThreshold = (s: number) => Math.abs(s - THRESHOLD) / THRESHOLD < NEAR_TIE;
  for (let i = 0; i < fast.count; i++) {
    const j = index.get(key(fast, i));
    if (j === undefined) {
      expect(nearThreshold(fast.scores[i]), `fast-only keypoint ${key(fast, i)} score ${fast.scores[i]}`).toBe(true);
      nearTies++;
      continue;
    }
    seen.add(j);
    matched++;
    let dot = 0, na = 0, nb = 0;
    for (let k = 0; k < fast.dim; k++) {
      const a = fast.descriptors[i * fast.dim + k], b = plain.descriptors[j * plain.dim + k];
      dot += a * b; na += a * a; nb += b * b;
    }
    worstCos = Math.min(worstCos, dot / Math.sqrt(na * nb));
    expect(Math.abs(fast.scores[i] - plain.scores[j]) / plain.scores[j]).toBeLessThan(1e-4);
  }
  for (let j = 0; j < plain.count; j++)
    if (!seen.has(j)) {
      expect(nearThreshold(plain.scores[j]), `plain-only keypoint ${key(plain, j)} score ${plain.scores[j]}`).toBe(true);
      nearTies++;
    }
  expect(worstCos).toBeGreaterThanOrEqual(0.9999);
  return { matched, nearTies, worstCos };
}

const IMAGES = ["pairs/graf/img1.png", "pairs/opencv-samples/box_in_scene.png"];
const SIZES: Array<{ name: string; prepare: (photo: Pixels) => Pixels; scales: number[] }> = [
  { name: "256² tutorial pyramid (0.25 … 2.0)", prepare: (p) => fitImage(p, 256).pixels, scales: [0.25, 0.3536, 0.5, 0.7071, 1.0, 1.4142, 2.0] },
  { name: "longest side 320 (non-square), 0.5 / 1.0 / 2.0", prepare: (p) => fitImage(p, { maxSide: 320 }).pixels, scales: [0.5, 1.0, 2.0] },
  { name: "181×150 crop (odd sides), 1.0 / 2.0", prepare: (p) => cropPixels(fitImage(p, { maxSide: 320 }).pixels, 7, 5, 181, 150), scales: [1.0, 2.0] },
];

describe.skipIf(!haveShared)("wasm conv engine vs plain tfjs on real photos", () => {
  const models = new Map<string, DelfModel>();
  const flavours: ConvKernelFlavour[] = ["relaxed-simd", "simd128"];
  beforeAll(async () => {
    await startNodeRuntime();
    // vitest.config.ts starts Node with --experimental-wasm-relaxed-simd: both builds must run here.
    expect(bestConvKernelFlavour()).toBe("relaxed-simd");
    models.set("tfjs", syntheticDelfModel(1, { convEngine: "tfjs" }));
    for (const f of flavours) models.set(f, syntheticDelfModel(1, { convEngine: "wasm", kernelFlavour: f }));
  });
  afterAll(() => {
    for (const m of models.values()) m.dispose();
  });

  it.each(IMAGES.flatMap((image) => SIZES.map((size) => ({ image, ...size }))))("$image at $name", async ({ image, name, prepare, scales }) => {
    const photo = await loadImage(image);
    const pixels = prepare(photo);
    if (!name.startsWith("256")) expect(pixels.width).not.toBe(pixels.height);
    const options = { scales, scoreThreshold: THRESHOLD };
    const plain = await extractDelfFeatures(models.get("tfjs")!, pixels, options);
    expect(plain.count).toBeGreaterThan(10);
    for (const f of flavours) {
      const fast = await extractDelfFeatures(models.get(f)!, pixels, options);
      const { matched, nearTies, worstCos } = compare(fast, plain);
      // The margins, for the notes (Winograd F(4×4) rounds differently from F(2×2)): not asserted beyond the bounds.
      console.info(`${image} ${name} ${f}: ${matched}/${plain.count} keypoints matched, ${nearTies} near-ties, worst cosine 1 − ${(1 - worstCos).toExponential(1)}`);
      expect(matched).toBeGreaterThanOrEqual(plain.count - 2);
    }
  });
});
