// Runs INSIDE workerd: synthetic weights are byte-identical to Node's, and a small extraction gives
// exactly the Node result (the same literal digests test/node/delf/model.test.ts asserts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { workerWasmModules } from "../../src/runtime/wasm-modules.worker";
import { startRuntime } from "../../src/runtime/start";
import { syntheticModelTensors } from "../../src/delf/synthetic";
import { syntheticDelfModel, type DelfModel } from "../../src/delf/model";
import { extractDelfFeatures } from "../../src/delf/extract";
import { featuresDigest, fixtureDigestWith, fixturePixels, FIXTURE_DIGESTS, FIXTURE_OPTIONS, SYNTHETIC_1_DIGEST, tensorsDigest } from "../node/delf/fixture";
import { bestConvKernelFlavour } from "../../src/delf/conv-engine/kernel";

describe("DELF extraction inside workerd", () => {
  let model: DelfModel;
  beforeAll(async () => {
    await startRuntime(workerWasmModules);
    model = syntheticDelfModel(1);
  });
  afterAll(() => model?.dispose());

  it("synthetic:1 tensors have the same bytes as in Node", async () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
    expect(await tensorsDigest(syntheticModelTensors(1))).toBe(SYNTHETIC_1_DIGEST);
  });

  it("extracts the fixture exactly as Node does", async () => {
    const before = tf.memory().numTensors;
    const f = await extractDelfFeatures(model, fixturePixels(), FIXTURE_OPTIONS);
    expect(f.count).toBe(13);
    expect(Array.from(f.locations.subarray(0, 4))).toEqual([32, 64, 64, 0]);
    // workerd has relaxed SIMD on by default: the default engine runs the relaxed build
    expect(bestConvKernelFlavour()).toBe("relaxed-simd");
    expect(await featuresDigest(f)).toBe(FIXTURE_DIGESTS["relaxed-simd"]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    { convEngine: "tfjs", kernelFlavour: undefined },
    { convEngine: "wasm", kernelFlavour: "simd128" },
  ] as const)("conv engine $convEngine $kernelFlavour: the fixture digest as in Node", async (options) => {
    expect(await fixtureDigestWith(options)).toBe(FIXTURE_DIGESTS[options.kernelFlavour ?? "tfjs"]);
  });
});
