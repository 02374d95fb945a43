// Runs INSIDE workerd: the same wasm-heap budgets as test/node/memory/heap-budget.test.ts (the tfjs
// heap only grows, so its size after the work is its peak). Cloudflare counts this heap against the
// isolate's 128 MB together with the JS heap; local workerd does not enforce the limit, so we do.
import { beforeAll, describe, expect, it } from "vitest";
import { workerWasmModules } from "../../src/runtime/wasm-modules.worker";
import { startRuntime } from "../../src/runtime/start";
import { tfjsWasmHeapBytes } from "../../src/runtime/tfjs";
import { syntheticDelfModel } from "../../src/delf/model";
import { extractDelfFeatures } from "../../src/delf/extract";
import { INITIAL_HEAP_BYTES, MODEL_HEAP_BUDGET_BYTES, TUTORIAL_EXTRACTION_HEAP_BUDGET_BYTES } from "../node/memory/budgets";
import { CASES, proceduralImage } from "../node/memory/inputs";

describe("DELF wasm heap inside workerd", () => {
  let heapAtStart = 0;
  beforeAll(async () => {
    await startRuntime(workerWasmModules);
    heapAtStart = tfjsWasmHeapBytes();
  });

  it("model and the 256² tutorial pyramid stay within the measured budget", async () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
    expect(heapAtStart).toBe(INITIAL_HEAP_BYTES);
    const model = syntheticDelfModel(1);
    expect(tfjsWasmHeapBytes()).toBeLessThanOrEqual(MODEL_HEAP_BUDGET_BYTES);
    const c = CASES[0];
    const f = await extractDelfFeatures(model, proceduralImage(c.width, c.height), { scales: c.scales });
    expect(f.count).toBeGreaterThan(0);
    expect(tfjsWasmHeapBytes()).toBeLessThanOrEqual(TUTORIAL_EXTRACTION_HEAP_BUDGET_BYTES);
    model.dispose();
  });
});
