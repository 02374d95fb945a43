// Synthetic weights, the model directory round trip, model construction and extraction invariants.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { buildModelDirectory, loadModelDirectory } from "../../../src/model/model-directory";
import { delfCheckpointTensors, requiredModelTensors } from "../../../src/model/delf-tensors";
import { parseSyntheticSpec, syntheticModelTensors } from "../../../src/delf/synthetic";
import { createDelfModel, syntheticDelfModel, type DelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { DelfError } from "../../../src/delf/errors";
import { tfjsWasmHeapBytes } from "../../../src/runtime/tfjs";
import { featuresDigest, fixtureDigestWith, fixturePixels, FIXTURE_DIGESTS, FIXTURE_OPTIONS, SYNTHETIC_1_DIGEST, tensorsDigest } from "./fixture";
import { bestConvKernelFlavour } from "../../../src/delf/conv-engine/kernel";
import { startNodeRuntime } from "./helpers";

describe("syntheticModelTensors", () => {
  const tensors = syntheticModelTensors(1);
  it("has the 222 checkpoint tensors in order, then pca/mean, pca/projection, pca/variances", () => {
    expect(tensors.map((t) => [t.name, t.shape])).toEqual([
      ...delfCheckpointTensors().map((t) => [t.name, t.shape]),
      ["pca/mean", [1024]],
      ["pca/projection", [1024, 1024]],
      ["pca/variances", [1024]],
    ]);
    for (const t of tensors) expect(t.values.length).toBe(t.shape.reduce((a, b) => a * b, 1));
  });
  it("is deterministic: same bytes as on every runtime (literal digest, also checked in workerd)", async () => {
    expect(await tensorsDigest(tensors)).toBe(SYNTHETIC_1_DIGEST);
    expect(await tensorsDigest(syntheticModelTensors(2))).not.toBe(SYNTHETIC_1_DIGEST);
  });
  it("PCA projection rows are orthonormal", () => {
    const p = tensors.find((t) => t.name === "pca/projection")!.values;
    for (const [a, b] of [[0, 0], [0, 1], [5, 39], [39, 39], [100, 1023]]) {
      let dot = 0;
      for (let k = 0; k < 1024; k++) dot += p[a * 1024 + k] * p[b * 1024 + k];
      expect(dot).toBeCloseTo(a === b ? 1 : 0, 6);
    }
  });
  it("conv filters are He-scaled and centred per output channel; variances positive", () => {
    const w = tensors.find((t) => t.name === "resnet_v1_50/block3/unit_2/bottleneck_v1/conv1/weights")!;
    const [fanIn, out] = [w.shape[0] * w.shape[1] * w.shape[2], w.shape[3]];
    let sumSq = 0;
    for (const v of w.values) sumSq += v * v;
    expect(sumSq / w.values.length).toBeGreaterThan((2 / fanIn) * 0.9);
    expect(sumSq / w.values.length).toBeLessThan((2 / fanIn) * 1.1);
    let channelSum = 0;
    for (let i = 0; i < fanIn; i++) channelSum += w.values[i * out + 7];
    expect(Math.abs(channelSum)).toBeLessThan(1e-4);
    for (const t of tensors.filter((x) => x.name.endsWith("moving_variance") || x.name === "pca/variances"))
      expect(Math.min(...t.values)).toBeGreaterThan(0);
  });
  it("parses synthetic specs", () => {
    expect(parseSyntheticSpec("synthetic:42")).toBe(42);
    expect(parseSyntheticSpec("/models/delf")).toBeNull();
    expect(() => parseSyntheticSpec("synthetic:x")).toThrow(RangeError);
    expect(() => parseSyntheticSpec("synthetic:-1")).toThrow(RangeError);
  });
});

describe("DelfModel", () => {
  let model: DelfModel;
  beforeAll(async () => {
    await startNodeRuntime();
    model = syntheticDelfModel(1);
  });
  afterAll(() => model?.dispose());

  it("synthetic model metadata", () => {
    expect([model.trained, model.source, model.tensorCount]).toEqual([false, "synthetic:1", 225]);
    // the wasm conv engine owns the only (packed) copy of the filters: nothing to release
    expect(model.engine.name).toBe("wasm");
    expect(model.releasedFilterBytes).toBe(0);
  });

  it("tfjs conv engine: every folded filter (9,037,504 floats, spec §6) is freed from the tfjs side after warm-up", () => {
    const plain = syntheticDelfModel(1, { convEngine: "tfjs" });
    try {
      expect(plain.engine.name).toBe("tfjs");
      expect(plain.releasedFilterBytes).toBe(9037504 * 4);
    } finally {
      plain.dispose();
    }
  });

  it("a model directory written from synthetic weights loads back and extracts identically", async () => {
    const files = await buildModelDirectory(syntheticModelTensors(1), { trained: false, source: "synthetic:1" });
    const { manifest, tensors } = await loadModelDirectory(async (p) => files.get(p)!, requiredModelTensors());
    const loaded = createDelfModel(tensors, manifest);
    try {
      expect([loaded.trained, loaded.source, loaded.tensorCount]).toEqual([false, "synthetic:1", 225]);
      const a = await extractDelfFeatures(model, fixturePixels(), FIXTURE_OPTIONS);
      const b = await extractDelfFeatures(loaded, fixturePixels(), FIXTURE_OPTIONS);
      expect(await featuresDigest(b)).toBe(await featuresDigest(a));
    } finally {
      loaded.dispose();
    }
  });

  it.each([
    { convEngine: "tfjs", kernelFlavour: undefined },
    { convEngine: "wasm", kernelFlavour: "simd128" },
    { convEngine: "wasm", kernelFlavour: "relaxed-simd" },
  ] as const)("fixture digest with conv engine $convEngine $kernelFlavour (the workerd test expects the same)", async (options) => {
    if (options.kernelFlavour === "relaxed-simd" && bestConvKernelFlavour() !== "relaxed-simd")
      throw new Error("relaxed SIMD unavailable: run Node with --experimental-wasm-relaxed-simd (vitest.config.ts does)");
    expect(await fixtureDigestWith(options)).toBe(FIXTURE_DIGESTS[options.kernelFlavour ?? "tfjs"]);
  });

  it("refuses a tensor map with a missing tensor (invalid_model)", () => {
    const tensors = new Map(syntheticModelTensors(1).map((t) => [t.name, { shape: t.shape, values: t.values }]));
    tensors.delete("resnet_v1_50/block2/unit_3/bottleneck_v1/conv2/BatchNorm/gamma");
    const before = tf.memory().numTensors;
    expect(() => createDelfModel(tensors, { trained: false, source: "x" })).toThrow(expect.objectContaining({ code: "invalid_model" }));
    expect(tf.memory().numTensors).toBe(before); // what was uploaded before the failure is disposed
  });

  it("fixture extraction: literal digest (the workerd test expects the same), invariants", async () => {
    const f = await extractDelfFeatures(model, fixturePixels(), FIXTURE_OPTIONS);
    // 96×80 at 0.5 → 48×40 → 2×2 cells; at 1.0 → 3×3 cells
    expect(f.count).toBe(13);
    expect(await featuresDigest(f)).toBe(FIXTURE_DIGESTS[bestConvKernelFlavour()!]);
    for (let i = 1; i < f.count; i++) expect(f.scores[i]).toBeLessThanOrEqual(f.scores[i - 1]);
    for (let i = 0; i < f.count; i++) {
      let n = 0;
      for (let k = 0; k < 40; k++) n += f.descriptors[i * 40 + k] ** 2;
      expect(Math.abs(Math.sqrt(n) - 1)).toBeLessThan(1e-6);
      expect([1, 2]).toContain(f.scales[i]);
    }
  });

  it("threshold is inclusive at the level of real scores; maxFeatures keeps the top rows", async () => {
    const all = await extractDelfFeatures(model, fixturePixels(), FIXTURE_OPTIONS);
    const cut = all.scores[4];
    const kept = await extractDelfFeatures(model, fixturePixels(), { ...FIXTURE_OPTIONS, scoreThreshold: cut });
    expect(kept.count).toBe(5);
    expect(Array.from(kept.scores)).toEqual(Array.from(all.scores.subarray(0, 5)));
    const top3 = await extractDelfFeatures(model, fixturePixels(), { ...FIXTURE_OPTIONS, maxFeatures: 3 });
    expect(Array.from(top3.locations)).toEqual(Array.from(all.locations.subarray(0, 6)));
    const none = await extractDelfFeatures(model, fixturePixels(), { ...FIXTURE_OPTIONS, scoreThreshold: 1e9 });
    expect(none.count).toBe(0);
  });

  it("whitening changes descriptors but keeps them unit norm; bad input is refused with codes", async () => {
    const plain = await extractDelfFeatures(model, fixturePixels(), FIXTURE_OPTIONS);
    const white = await extractDelfFeatures(model, fixturePixels(), { ...FIXTURE_OPTIONS, useWhitening: true });
    expect(Array.from(white.scores)).toEqual(Array.from(plain.scores));
    expect(Array.from(white.descriptors)).not.toEqual(Array.from(plain.descriptors));
    for (let i = 0; i < white.count; i++) expect(Math.hypot(...white.descriptors.subarray(i * 40, (i + 1) * 40))).toBeCloseTo(1, 6);
    await expect(extractDelfFeatures(model, fixturePixels(), { scales: [] })).rejects.toMatchObject({ code: "invalid_options" });
    await expect(extractDelfFeatures(model, { width: 4, height: 4, data: new Uint8Array(10) })).rejects.toBeInstanceOf(DelfError);
    await expect(extractDelfFeatures(model, { width: 4, height: 4, data: new Uint8Array(10) })).rejects.toMatchObject({ code: "invalid_image" });
  });

  it("disposes every intermediate: no tensors leak across an extraction", async () => {
    await extractDelfFeatures(model, fixturePixels(), FIXTURE_OPTIONS);
    const before = tf.memory().numTensors;
    await extractDelfFeatures(model, fixturePixels(), FIXTURE_OPTIONS);
    expect(tf.memory().numTensors).toBe(before);
    expect(tfjsWasmHeapBytes()).toBeGreaterThan(0);
  });
});
