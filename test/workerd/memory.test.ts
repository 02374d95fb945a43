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
import encodeJpeg, { init as initJpegEncoder } from "@jsquash/jpeg/encode.js";
import mozjpegEncoder from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
import { readImageHeader } from "../../src/image/header";
import { decodeScaled } from "../../src/image/scaled";
import { decodeAndFit } from "../../src/image/decode-fit";
import { bufferSource } from "../../src/image/byte-source";
import { IMAGE_LIMITS } from "../../src/service/extract-image";
import { scene } from "../shared/synthetic-images";
import { upscaleToRgba } from "../shared/large-images";

/** The photo decoder's own memory for a 24 MP JPEG at 1/4 (1500×1000 RGB = 4.3 MiB, plus libjpeg's rows). */
const PHOTO_DECODER_24MP_BUDGET_BYTES = 6 * 1024 * 1024;

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

  it("a 24 MP baseline JPEG decodes at 1/4 in its own small wasm memory; the tfjs heap does not move", async () => {
    const heapBefore = tfjsWasmHeapBytes();
    await (initJpegEncoder as unknown as (m: WebAssembly.Module) => Promise<void>)(mozjpegEncoder);
    const rgba = upscaleToRgba(scene(600, 400), 6000, 4000, 6);
    const options = { quality: 90, progressive: false, baseline: true, auto_subsample: false, chroma_subsample: 2 };
    const jpeg = new Uint8Array(await encodeJpeg(rgba as unknown as ImageData, options));
    const header = readImageHeader(jpeg);
    const scaled = await decodeScaled(header, jpeg, bufferSource(new Uint8Array(0)), workerWasmModules.photoDecoder, 256, IMAGE_LIMITS);
    expect([scaled.denom, scaled.pixels.width, scaled.pixels.height]).toEqual([4, 1500, 1000]);
    // The pixels are a view into the decoder's memory: its whole size is the decode's wasm cost.
    expect(scaled.pixels.data.buffer.byteLength).toBeLessThanOrEqual(PHOTO_DECODER_24MP_BUDGET_BYTES);
    const fitted = await decodeAndFit(jpeg, 256, workerWasmModules, IMAGE_LIMITS);
    expect([fitted.originalWidth, fitted.fitted.pixels.width, fitted.fitted.pixels.height]).toEqual([6000, 256, 256]);
    expect(tfjsWasmHeapBytes()).toBe(heapBefore);
  }, 180_000);
});
