/**
 * Memory budgets that must not regress (memory is deterministic; time is not tested).
 * - the tfjs wasm heap after loading the model, and after a 256² tutorial pyramid, in a FRESH runtime
 *   (vitest runs each test file in its own process; the first expectation checks that);
 * - the model keeps no reference to the model directory's buffers (≈ 39 MB of shards) once built.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node.js";
import { startRuntime } from "../../../src/runtime/start";
import { tfjsWasmHeapBytes } from "../../../src/runtime/tfjs";
import { createDelfModel, syntheticDelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { buildModelDirectory, loadModelDirectory } from "../../../src/model/model-directory";
import { requiredModelTensors } from "../../../src/model/delf-tensors";
import { syntheticModelTensors } from "../../../src/delf/synthetic";
import { INITIAL_HEAP_BYTES, MODEL_HEAP_BUDGET_BYTES, TUTORIAL_EXTRACTION_HEAP_BUDGET_BYTES } from "./budgets";
import { CASES, proceduralImage } from "./inputs";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("DELF memory budgets (fresh tfjs runtime)", () => {
  let heapAtStart = 0;
  beforeAll(async () => {
    await startRuntime(await loadNodeWasmModules());
    heapAtStart = tfjsWasmHeapBytes();
  });

  it("wasm heap: model within budget, then the tutorial pyramid without growing past it", async () => {
    expect(heapAtStart).toBe(INITIAL_HEAP_BYTES);
    const model = syntheticDelfModel(1);
    expect(tfjsWasmHeapBytes()).toBeLessThanOrEqual(MODEL_HEAP_BUDGET_BYTES);
    const c = CASES[0];
    const f = await extractDelfFeatures(model, proceduralImage(c.width, c.height), { scales: c.scales });
    expect(f.count).toBeGreaterThan(0);
    expect(tfjsWasmHeapBytes()).toBeLessThanOrEqual(TUTORIAL_EXTRACTION_HEAP_BUDGET_BYTES);
    model.dispose();
  });

  it("a built model does not keep the model directory's buffers alive", async () => {
    const files = await buildModelDirectory(syntheticModelTensors(2), { trained: false, source: "synthetic:2" });
    let loaded: Awaited<ReturnType<typeof loadModelDirectory>> | null = await loadModelDirectory(async (p) => files.get(p)!.slice(), requiredModelTensors());
    files.clear();
    const shardBuffer = new WeakRef(loaded.tensors.values().next().value!.values.buffer);
    const model = createDelfModel(loaded.tensors, loaded.manifest);
    loaded = null;
    // WeakRefs are cleared only after the current job: collect, yield, collect again.
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    // (a boolean: printing a 39 MB buffer in a failure message would exhaust the heap)
    expect(shardBuffer.deref() === undefined, "the model directory buffer is still reachable").toBe(true);
    expect(model.engine.name).toBe("wasm");
    model.dispose();
  });

  it("consumeTensors: the caller's own map no longer holds the buffers either", async () => {
    const files = await buildModelDirectory(syntheticModelTensors(3), { trained: false, source: "synthetic:3" });
    const loaded = await loadModelDirectory(async (p) => files.get(p)!.slice(), requiredModelTensors());
    files.clear();
    const shardBuffer = new WeakRef(loaded.tensors.values().next().value!.values.buffer);
    const model = createDelfModel(loaded.tensors, loaded.manifest, { consumeTensors: true });
    expect(loaded.tensors.size).toBe(0);
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(shardBuffer.deref() === undefined, "the model directory buffer is still reachable").toBe(true);
    expect(model.pca.projection.length).toBe(40 * 1024);
    expect(loaded.manifest.source).toBe("synthetic:3"); // `loaded` itself is still alive here
    model.dispose();
  });
});
