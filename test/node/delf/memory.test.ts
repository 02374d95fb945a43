// Wasm heap budget of a full tutorial extraction in a fresh runtime (this file runs in its own
// process). The Workers limit is 128 MB for JS + wasm together; the project's budget is 120 MiB.
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { syntheticDelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { tfjsWasmHeapBytes } from "../../../src/runtime/tfjs";
import { startNodeRuntime } from "./helpers";
import { texture } from "../../shared/texture";

const MiB = 2 ** 20;


describe("wasm heap", () => {
  it("a 7-scale tutorial pyramid on 256² stays within 120 MiB of tfjs wasm heap", async () => {
    await startNodeRuntime();
    const model = syntheticDelfModel(1);
    expect(model.engine.name).toBe("wasm");
    const afterLoad = tfjsWasmHeapBytes();
    const features = await extractDelfFeatures(model, texture(), { scoreThreshold: 0 });
    expect(features.count).toBe(529);
    await extractDelfFeatures(model, texture());
    expect(afterLoad / MiB).toBeLessThanOrEqual(90);
    expect(tfjsWasmHeapBytes() / MiB).toBeLessThanOrEqual(120);
    model.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });
});
