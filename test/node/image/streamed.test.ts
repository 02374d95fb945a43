// Streamed decoding (src/image/byte-source.ts, decodeAndFitSource): a file that arrives in pieces
// must give the same pixels, byte for byte, as the same file decoded from one buffer. The pieces are
// of seeded random sizes (1 byte to 96 KiB), so libjpeg suspends and resumes at many different places
// (inside markers, inside MCUs, inside a progressive file's scans) and PNG chunks, CRCs and rows are
// split everywhere.
import { beforeAll, describe, expect, it } from "vitest";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node.js";
import type { WasmModules } from "../../../src/runtime/wasm-modules";
import { decodeAndFit, decodeAndFitSource } from "../../../src/image/decode-fit";
import { readImageHeader } from "../../../src/image/header";
import { decodeScaled } from "../../../src/image/scaled";
import { bufferSource, type ByteSource } from "../../../src/image/byte-source";
import { IMAGE_LIMITS } from "../../../src/service/extract-image";
import { scene } from "../../shared/synthetic-images";
import { upscaleToRgba } from "../../shared/large-images";
import { rng, toCameraJpeg, toPng, toWebp, withExifOrientation } from "./fixtures";

/** `bytes` in pieces of random sizes; after `failAfter` bytes it throws `error` instead. */
function piecewise(bytes: Uint8Array, seed: number, failAfter = Infinity, error: unknown = null): ByteSource {
  const random = rng(seed);
  let at = 0;
  return {
    async read() {
      if (at >= failAfter) throw error;
      if (at >= bytes.length) return null;
      const size = random() < 0.2 ? 1 + Math.floor(random() * 16) : 1 + Math.floor(random() * 96 * 1024);
      const piece = bytes.slice(at, Math.min(bytes.length, at + size, failAfter));
      at += piece.length;
      return piece;
    },
  };
}

/** Inserts an APP2 segment of `size` junk bytes after SOI: libjpeg skips it (skip_input_data past what has come). */
function withJunkSegment(jpeg: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(jpeg.length + 4 + size);
  out.set(jpeg.subarray(0, 2));
  out.set([0xff, 0xe2, (size + 2) >> 8, (size + 2) & 255], 2);
  for (let i = 0; i < size; i++) out[6 + i] = (i * 7) & 255;
  out.set(jpeg.subarray(2), 6 + size);
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe("a streamed decode gives the buffered decode's pixels", () => {
  let modules: WasmModules;
  const image = scene(600, 400);
  beforeAll(async () => {
    modules = await loadNodeWasmModules();
  });

  it("24 MP baseline JPEG with EXIF orientation 6 and a 60 KB APP2: reduced and fitted pixels equal for 3 piece patterns", async () => {
    const jpeg = withExifOrientation(withJunkSegment(await toCameraJpeg(upscaleToRgba(image, 6000, 4000, 6), 90), 60_000), 6);
    const header = readImageHeader(jpeg);
    const whole = await decodeScaled(header, jpeg, bufferSource(new Uint8Array(0)), modules.photoDecoder, 256, IMAGE_LIMITS);
    const wholeRgb = whole.pixels.data.slice();
    const fitted = await decodeAndFit(jpeg, 256, modules, IMAGE_LIMITS);
    expect([fitted.denom, fitted.originalWidth, fitted.originalHeight]).toEqual([4, 4000, 6000]);
    for (const seed of [1, 2, 3]) {
      const head = jpeg.subarray(0, 62_000); // through SOS (readJpegHeader needs it); the rest arrives in pieces
      const streamed = await decodeScaled(header, head, piecewise(jpeg.subarray(head.length), seed), modules.photoDecoder, 256, IMAGE_LIMITS);
      expect(same(streamed.pixels.data, wholeRgb)).toBe(true);
      const streamedFit = await decodeAndFitSource(piecewise(jpeg, seed), 256, modules, IMAGE_LIMITS);
      expect(same(streamedFit.fitted.pixels.data, fitted.fitted.pixels.data)).toBe(true);
    }
  }, 180_000);

  it("the comparison can fail: one changed byte in the entropy-coded data changes the pixels", async () => {
    const jpeg = await toCameraJpeg(upscaleToRgba(image, 2400, 1600, 6), 90);
    const changed = jpeg.slice();
    changed[changed.length - 5000] ^= 0x10;
    const a = await decodeAndFitSource(piecewise(jpeg, 4), 256, modules, IMAGE_LIMITS);
    const b = await decodeAndFit(changed, 256, modules, IMAGE_LIMITS).catch(() => null);
    expect(b === null || !same(a.fitted.pixels.data, b.fitted.pixels.data)).toBe(true);
  }, 120_000);

  it("3.8 MP progressive JPEG (its scans are absorbed while suspended): equal", async () => {
    const jpeg = await toCameraJpeg(upscaleToRgba(image, 2400, 1600, 6), 90, true);
    const buffered = await decodeAndFit(jpeg, 256, modules, IMAGE_LIMITS);
    const streamed = await decodeAndFitSource(piecewise(jpeg, 5), 256, modules, IMAGE_LIMITS);
    expect(same(streamed.fitted.pixels.data, buffered.fitted.pixels.data)).toBe(true);
  }, 120_000);

  it("12 MP PNG: equal", async () => {
    const png = await toPng(upscaleToRgba(image, 4000, 3000, 6));
    const buffered = await decodeAndFit(png, 256, modules, IMAGE_LIMITS);
    for (const seed of [6, 7]) {
      const streamed = await decodeAndFitSource(piecewise(png, seed), 256, modules, IMAGE_LIMITS);
      expect(same(streamed.fitted.pixels.data, buffered.fitted.pixels.data)).toBe(true);
    }
  }, 180_000);
});

describe("a stream that breaks is a 4xx, never a half answer", () => {
  let modules: WasmModules;
  const image = scene(600, 400);
  beforeAll(async () => {
    modules = await loadNodeWasmModules();
  });

  it("a JPEG or PNG stream that stops early is 400 image_decode_failed; the next decode works", async () => {
    const jpeg = await toCameraJpeg(upscaleToRgba(image, 6000, 4000, 6), 90);
    await expect(decodeAndFitSource(piecewise(jpeg.subarray(0, jpeg.length >> 1), 8), 256, modules, IMAGE_LIMITS)).rejects.toMatchObject({ code: "image_decode_failed", status: 400 });
    const png = await toPng(upscaleToRgba(image, 2400, 1600, 6));
    await expect(decodeAndFitSource(piecewise(png.subarray(0, png.length - 100), 9), 256, modules, IMAGE_LIMITS)).rejects.toMatchObject({ code: "image_decode_failed", status: 400 });
    const ok = await decodeAndFitSource(piecewise(jpeg, 10), 256, modules, IMAGE_LIMITS);
    expect(ok.denom).toBe(4);
  }, 120_000);

  it("a WebP above 1 MP is read whole: over maxWebpBytes it is 413 image_too_large naming why, at its bound it decodes", async () => {
    const webp = await toWebp(upscaleToRgba(image, 1600, 1200, 6), false);
    const refused = decodeAndFitSource(piecewise(webp, 14), 256, modules, { ...IMAGE_LIMITS, maxWebpBytes: webp.length - 1 });
    await expect(refused).rejects.toMatchObject({ code: "image_too_large", status: 413 });
    await expect(refused).rejects.toThrow(/WebP is decoded from one buffer/);
    const ok = await decodeAndFitSource(piecewise(webp, 15), 256, modules, { ...IMAGE_LIMITS, maxWebpBytes: webp.length });
    expect(ok.denom).toBe(2);
  }, 120_000);

  it("the transport's own error (a 413 mid-body, a cut body) is passed on unchanged, from the JPEG and the PNG decoder", async () => {
    const transport = Object.assign(new Error("request body is larger than N bytes"), { code: "payload_too_large", status: 413 });
    const jpeg = await toCameraJpeg(upscaleToRgba(image, 2400, 1600, 6), 90);
    await expect(decodeAndFitSource(piecewise(jpeg, 11, jpeg.length >> 1, transport), 256, modules, IMAGE_LIMITS)).rejects.toBe(transport);
    const png = await toPng(upscaleToRgba(image, 2400, 1600, 6));
    await expect(decodeAndFitSource(piecewise(png, 12, png.length >> 1, transport), 256, modules, IMAGE_LIMITS)).rejects.toBe(transport);
    // Before the header is complete too.
    await expect(decodeAndFitSource(piecewise(png, 13, 10, transport), 256, modules, IMAGE_LIMITS)).rejects.toBe(transport);
  }, 120_000);
});
