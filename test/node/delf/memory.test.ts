// Wasm heap budget of a full tutorial extraction in a fresh runtime (this file runs in its own
// process). The Workers limit is 128 MB for JS + wasm together; the project's budget is 120 MiB.
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { syntheticDelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { tfjsWasmHeapBytes } from "../../../src/runtime/tfjs";
import { startNodeRuntime } from "./helpers";

const MiB = 2 ** 20;

/** 256² procedural texture (no files needed). */
function texture(): { width: number; height: number; data: Uint8Array } {
  const size = 256;
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const x = i % size, y = Math.floor(i / size);
    data[3 * i] = (x * 7 + y * 13 + ((x * y) % 31) * 5) & 255;
    data[3 * i + 1] = (x * x + 3 * y) & 255;
    data[3 * i + 2] = (((x >> 3) ^ (y >> 2)) * 16) & 255;
  }
  return { width: size, height: size, data };
}

describe("wasm heap", () => {
  it("a 7-scale tutorial pyramid on 256² stays within 120 MiB of tfjs wasm heap", async () => {
    await startNodeRuntime();
    const model = syntheticDelfModel(1);
    expect(model.releasedFilterBytes).toBe(9037504 * 4);
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
