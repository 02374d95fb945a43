// Photos above the exact path's 1 MP: reduced decodes (src/image/scaled) against independent
// references made here from the shared graf images, upscaled to phone sizes. The bounds below are
// the ones docs/images.md documents ("Large images").
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import decodeJsquashJpeg, { init as initJsquashJpeg } from "@jsquash/jpeg/decode.js";
import decodeJsquashWebp, { init as initJsquashWebp } from "@jsquash/webp/decode.js";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node.js";
import type { WasmModules } from "../../../src/runtime/wasm-modules";
import { startRuntime } from "../../../src/runtime/start";
import { decodeImage } from "../../../src/image/decode";
import { decodeAndFit } from "../../../src/image/decode-fit";
import { fitImage } from "../../../src/image/fit";
import { applyOrientation } from "../../../src/image/orientation";
import { syntheticDelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { IMAGE_LIMITS } from "../../../src/service/extract-image";
import type { Pixels } from "../../../src/types";
import { boxDownscale, rgbaToPixels, upscaleToRgba } from "../../shared/large-images";
import { reducedDigest } from "../../shared/reduced-digest";
import { haveShared, readShared, toCameraJpeg, toPng, toWebp, withExifOrientation } from "./fixtures";

const root = fileURLToPath(new URL("../../../", import.meta.url));

function diff(a: Pixels, b: Pixels): { mean: number; max: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.data.length, max };
}

describe("the committed photo decoder matches its sources", () => {
  it("photo-decoder.json records the sha-256 of photo_decoder.c, build.sh, sources.sha256 and the .wasm", async () => {
    const dir = `${root}codecs/photo-decoder/`;
    const manifest = JSON.parse(await readFile(`${dir}photo-decoder.json`, "utf8")) as { sources: Record<string, string>; wasm: string };
    const sha = async (f: string) => createHash("sha256").update(await readFile(`${dir}${f}`)).digest("hex");
    for (const [file, hash] of Object.entries(manifest.sources)) expect({ file, hash: await sha(file) }).toEqual({ file, hash });
    expect(Object.keys(manifest.sources).sort()).toEqual(["build.sh", "photo_decoder.c", "sources.sha256"]);
    expect(await sha("photo-decoder.wasm")).toBe(manifest.wasm);
  });
});

/** The same literal as test/workerd/image.test.ts: the reduced path gives identical bytes in both runtimes. */
const REDUCED_DIGEST = "27efa1b502f368769cb54a68937392bcce1bd8fc8d14172430bdb9b32662ac35";

describe("reduced decode, identical in Node and workerd", () => {
  it("a 1600×1200 JPEG and PNG of the synthetic scene, decoded at 1/2 and fitted, hash to the shared literal", async () => {
    const modules = await loadNodeWasmModules();
    const digest = await reducedDigest(modules, { jpeg: (i) => toCameraJpeg(i, 90), png: (i) => toPng(i) });
    expect(digest).toBe(REDUCED_DIGEST);
  }, 60_000);
});

describe.skipIf(!haveShared)("large photos from ../shared/data/pairs/graf", () => {
  let modules: WasmModules;
  let source: Pixels;
  beforeAll(async () => {
    modules = await loadNodeWasmModules();
    await startRuntime(modules);
    source = (await decodeImage(await readShared("pairs/graf/img1.png"), modules)).pixels;
    await (initJsquashJpeg as unknown as (m: WebAssembly.Module) => Promise<void>)(modules.jpegDecoder);
    await (initJsquashWebp as unknown as (m: WebAssembly.Module) => Promise<void>)(modules.webpDecoder);
  }, 60_000);

  /** Full-resolution decode by the exact path's codecs (Node only: no memory bound here). */
  async function fullDecode(bytes: Uint8Array, type: "jpeg" | "webp"): Promise<Pixels> {
    const image = type === "jpeg" ? await decodeJsquashJpeg(bytes as unknown as ArrayBuffer) : await decodeJsquashWebp(bytes as unknown as ArrayBuffer);
    return rgbaToPixels(image);
  }

  it("24 MP baseline JPEG: 1/4 DCT-scaled decode, within mean 1 / max 12 of the box-downscaled full decode; DELF keypoints ≥ 90 % the same", async () => {
    const rgba = upscaleToRgba(source, 6000, 4000, 6);
    const jpeg = await toCameraJpeg(rgba, 90);
    const got = await decodeAndFit(jpeg, 256, modules, IMAGE_LIMITS);
    expect([got.denom, got.originalWidth, got.originalHeight]).toEqual([4, 6000, 4000]);
    expect(got.fitted.description.crop).toEqual({ x: 1000, y: 0, width: 4000, height: 4000 });
    // The fitted pixel (0, 0) maps back into the original's crop, 15.625 px per output pixel.
    expect(got.fitted.toOriginal(0, 0)).toEqual([1000 + 15.625 / 2 - 0.5, 15.625 / 2 - 0.5]);
    const reference = fitImage(boxDownscale(await fullDecode(jpeg, "jpeg"), 4), 256).pixels;
    const d = diff(got.fitted.pixels, reference);
    expect(d.mean).toBeLessThanOrEqual(1);
    expect(d.max).toBeLessThanOrEqual(12);

    const model = syntheticDelfModel(1);
    try {
      const a = await extractDelfFeatures(model, got.fitted.pixels, {});
      const b = await extractDelfFeatures(model, reference, {});
      const key = (f: typeof a, i: number) => `${f.locations[2 * i]},${f.locations[2 * i + 1]},${f.scales[i]}`;
      const keysB = new Set(Array.from({ length: b.count }, (_, i) => key(b, i)));
      const same = Array.from({ length: a.count }, (_, i) => key(a, i)).filter((k) => keysB.has(k)).length;
      expect(a.count).toBeGreaterThan(50);
      expect(same / Math.max(a.count, b.count)).toBeGreaterThanOrEqual(0.9);
    } finally {
      model.dispose();
    }
  }, 120_000);

  it("12 MP PNG: row decode into the 1/4 box downscaler equals the box-downscaled source exactly", async () => {
    const rgba = upscaleToRgba(source, 4000, 3000);
    const got = await decodeAndFit(await toPng(rgba), 256, modules, IMAGE_LIMITS);
    expect(got.denom).toBe(4);
    expect(diff(got.fitted.pixels, fitImage(boxDownscale(rgbaToPixels(rgba), 4), 256).pixels)).toEqual({ mean: 0, max: 0 });
  }, 120_000);

  it("Adam7-interlaced 3 MP PNG: every pass lands in the 1/2 box downscaler, equal to the box-downscaled source", async () => {
    const rgba = upscaleToRgba(source, 2100, 1500, 6);
    const png = await interlacedPng(rgbaToPixels(rgba));
    expect(png[28]).toBe(1); // IHDR interlace method
    const got = await decodeAndFit(png, 256, modules, IMAGE_LIMITS);
    expect(got.denom).toBe(2);
    expect(diff(got.fitted.pixels, fitImage(boxDownscale(rgbaToPixels(rgba), 2), 256).pixels)).toEqual({ mean: 0, max: 0 });
  }, 120_000);

  it("12 MP lossy WebP: libwebp's scaled decode within mean 1.5 / max 16 of the box-downscaled full decode", async () => {
    const webp = await toWebp(upscaleToRgba(source, 4000, 3000, 6), false);
    const got = await decodeAndFit(webp, 256, modules, IMAGE_LIMITS);
    expect(got.denom).toBe(4);
    const d = diff(got.fitted.pixels, fitImage(boxDownscale(await fullDecode(webp, "webp"), 4), 256).pixels);
    expect(d.mean).toBeLessThanOrEqual(1.5);
    expect(d.max).toBeLessThanOrEqual(16);
  }, 120_000);

  it("EXIF orientation 6 on a 12 MP JPEG gives the rotated result (portrait size, rotated pixels)", async () => {
    const jpeg = await toCameraJpeg(upscaleToRgba(source, 4000, 3000, 6), 90);
    const plain = await decodeAndFit(jpeg, 256, modules, IMAGE_LIMITS);
    const rotated = await decodeAndFit(withExifOrientation(jpeg, 6), 256, modules, IMAGE_LIMITS);
    expect([rotated.originalWidth, rotated.originalHeight]).toEqual([3000, 4000]);
    // The centred square is the same region either way: rotating the landscape result by 90°
    // clockwise gives the portrait one, up to the order of the Lanczos passes.
    const d = diff(rotated.fitted.pixels, applyOrientation(plain.fitted.pixels, 6));
    expect(d.mean).toBeLessThanOrEqual(0.5);
    expect(d.max).toBeLessThanOrEqual(4);
    expect(diff(rotated.fitted.pixels, plain.fitted.pixels).mean).toBeGreaterThan(10); // not the unrotated image
    // Coordinates are in the portrait frame: the crop starts 500 px down.
    const [x, y] = rotated.fitted.toOriginal(0, 0);
    expect(x).toBeCloseTo(3000 / 256 / 2 - 0.5, 6);
    expect(y).toBeCloseTo(500 + 3000 / 256 / 2 - 0.5, 6);
  }, 120_000);

  it("progressive JPEG: 12 MP is refused with 413 naming the coefficient buffer; 3.8 MP is decoded", async () => {
    const big = await toCameraJpeg(upscaleToRgba(source, 4000, 3000, 6), 90, true);
    const refused = decodeAndFit(big, 256, modules, IMAGE_LIMITS);
    await expect(refused).rejects.toMatchObject({ code: "image_too_large", status: 413 });
    await expect(refused).rejects.toThrow(/progressive JPEG 4000×3000 needs 34\.\d MiB .* at most 12 MiB/);
    const small = await toCameraJpeg(upscaleToRgba(source, 2400, 1600, 6), 90, true);
    const ok = await decodeAndFit(small, 256, modules, IMAGE_LIMITS);
    expect([ok.denom, ok.fitted.pixels.width]).toEqual([2, 256]);
  }, 120_000);

  it("a truncated 24 MP JPEG is 400 image_decode_failed; a 24 MP PNG with garbage IDAT too", async () => {
    const jpeg = await toCameraJpeg(upscaleToRgba(source, 6000, 4000, 6), 90);
    await expect(decodeAndFit(jpeg.subarray(0, jpeg.length >> 1), 256, modules, IMAGE_LIMITS)).rejects.toMatchObject({ code: "image_decode_failed", status: 400 });
    const png = garbageIdatPng(6000, 4000);
    await expect(decodeAndFit(png, 256, modules, IMAGE_LIMITS)).rejects.toMatchObject({ code: "image_decode_failed", status: 400 });
    // The decoder instance is per image: the next decode works.
    const ok = await decodeAndFit(await toCameraJpeg(upscaleToRgba(source, 1600, 1200), 90), 256, modules, IMAGE_LIMITS);
    expect(ok.denom).toBe(2);
  }, 120_000);
});

describe("refusals from the header, before any pixel buffer exists", () => {
  let modules: WasmModules;
  beforeAll(async () => {
    modules = await loadNodeWasmModules();
  });

  it("a 100 MP JPEG header bomb (SOF only) is 413 image_too_large, not a decode error", async () => {
    const sof = [0xff, 0xc0, 0, 17, 8, 10000 >> 8, 10000 & 255, 10000 >> 8, 10000 & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    const bomb = new Uint8Array([0xff, 0xd8, ...sof, 0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
    await expect(decodeAndFit(bomb, 256, modules, IMAGE_LIMITS)).rejects.toMatchObject({ code: "image_too_large", status: 413 });
  });

  it('fit "none" above 1 MP and a maxSide needing more than the decode budget are 413 naming what works', async () => {
    const png = garbageIdatPng(6000, 4000);
    await expect(decodeAndFit(png, "none", modules, IMAGE_LIMITS)).rejects.toThrow(/fit "none" keeps every pixel.*\{"maxSide": 750\}/);
    await expect(decodeAndFit(png, { maxSide: 2048 }, modules, IMAGE_LIMITS)).rejects.toMatchObject({ code: "image_too_large" });
  });
});

/** An RGB 8-bit Adam7 PNG written here (filter 0 on every row; zlib by CompressionStream). */
async function interlacedPng(p: Pixels): Promise<Uint8Array> {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((p.width - x0) / dx);
    const h = Math.ceil((p.height - y0) / dy);
    if (w <= 0 || h <= 0) continue;
    for (let y = y0; y < p.height; y += dy) {
      raw.push(0);
      for (let x = x0; x < p.width; x += dx) raw.push(...p.data.subarray((y * p.width + x) * 3, (y * p.width + x) * 3 + 3));
    }
  }
  const zlib = new Uint8Array(await new Response(new Blob([new Uint8Array(raw)]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, p.width);
  new DataView(ihdr.buffer).setUint32(4, p.height);
  ihdr.set([8, 2, 0, 0, 1], 8);
  return pngFile([["IHDR", ihdr], ["IDAT", zlib], ["IEND", new Uint8Array(0)]]);
}

function pngFile(chunks: Array<[string, Uint8Array]>): Uint8Array {
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of chunks) {
    const out = new Uint8Array(12 + data.length);
    new DataView(out.buffer).setUint32(0, data.length);
    out.set(Array.from(type, (c) => c.charCodeAt(0)), 4);
    out.set(data, 8);
    parts.push(out);
  }
  const out = new Uint8Array(parts.reduce((n, q) => n + q.length, 0));
  let at = 0;
  for (const q of parts) (out.set(q, at), (at += q.length));
  return out;
}

/** A valid PNG header (RGB 8-bit) whose IDAT is deterministic garbage, not a zlib stream. */
function garbageIdatPng(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const garbage = new Uint8Array(64 * 1024).map((_, i) => (i * 2654435761) >>> 24);
  return pngFile([["IHDR", ihdr], ["IDAT", garbage], ["IEND", new Uint8Array(0)]]);
}
