import { describe, expect, it } from "vitest";
import { sniffImageType } from "../../../src/image/sniff";
import { readImageHeader } from "../../../src/image/header";
import { decodeImage } from "../../../src/image/decode";
import { DEFAULT_IMAGE_LIMITS } from "../../../src/image/limits";
import { ImageError } from "../../../src/image/errors";
import type { WasmModules } from "../../../src/runtime/wasm-modules";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node";
import { blocks, toJpeg, toPng, toWebp, withExifOrientation } from "./fixtures";

/** WasmModules whose every property access fails: proves a refusal happened before any codec was touched. */
const untouchableModules = new Proxy({} as WasmModules, {
  get(_target, key) {
    throw new Error(`codec module ${String(key)} was accessed`);
  },
});

function bytes(...parts: (number[] | string)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? Array.from(p, (c) => c.charCodeAt(0)) : p)));
}

function be32(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

/** PNG signature + IHDR (CRC left zero: the header reader does not need it) + nothing else. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  return bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], be32(13), "IHDR", be32(width), be32(height), [8, 2, 0, 0, 0], be32(0));
}

/** SOI + baseline SOF0 declaring width × height, 3 components, then SOS and no data. */
function jpegHeaderOnly(width: number, height: number): Uint8Array {
  return bytes([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1], [0xff, 0xda]);
}

/** RIFF/WEBP with a VP8X chunk declaring width × height (24-bit minus-one fields). */
function webpHeaderOnly(width: number, height: number): Uint8Array {
  const le24 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255];
  return bytes("RIFF", [30, 0, 0, 0], "WEBP", "VP8X", [10, 0, 0, 0], [0, 0, 0, 0], le24(width - 1), le24(height - 1));
}

async function errorOf(p: Promise<unknown>): Promise<ImageError> {
  const e = await p.then(() => undefined, (e: unknown) => e);
  expect(e).toBeInstanceOf(ImageError);
  return e as ImageError;
}

describe("sniffImageType", () => {
  it("recognises magic bytes and nothing else", () => {
    expect(sniffImageType(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe("jpeg");
    expect(sniffImageType(pngHeaderOnly(1, 1))).toBe("png");
    expect(sniffImageType(bytes("RIFF", [0, 0, 0, 0], "WEBP"))).toBe("webp");
    expect(sniffImageType(bytes("RIFF", [0, 0, 0, 0], "WAVE"))).toBe(null);
    expect(sniffImageType(bytes("GIF89a"))).toBe(null);
    expect(sniffImageType(bytes([0xff, 0xd8]))).toBe(null);
    expect(sniffImageType(new Uint8Array(0))).toBe(null);
  });
});

describe("readImageHeader", () => {
  it("reads dimensions and orientation of encoded images without decoding", async () => {
    const jpeg = await toJpeg(blocks(40, 24));
    expect(readImageHeader(jpeg)).toEqual({ type: "jpeg", width: 40, height: 24, orientation: 1 });
    expect(readImageHeader(withExifOrientation(jpeg, 6))).toEqual({ type: "jpeg", width: 40, height: 24, orientation: 6 });
    expect(readImageHeader(withExifOrientation(jpeg, 9))).toEqual({ type: "jpeg", width: 40, height: 24, orientation: 1 });
    expect(readImageHeader(await toPng(blocks(17, 5)))).toEqual({ type: "png", width: 17, height: 5, orientation: 1 });
    expect(readImageHeader(await toWebp(blocks(9, 31)))).toEqual({ type: "webp", width: 9, height: 31, orientation: 1 });
    expect(readImageHeader(await toWebp(blocks(9, 31), false))).toEqual({ type: "webp", width: 9, height: 31, orientation: 1 });
    expect(readImageHeader(webpHeaderOnly(300, 200))).toEqual({ type: "webp", width: 300, height: 200, orientation: 1 });
  });

  it("refuses unknown formats with 415 and broken headers with 400", () => {
    const gif = bytes("GIF89a", [1, 0, 1, 0]);
    expect(() => readImageHeader(gif)).toThrow(expect.objectContaining({ code: "unsupported_media_type", status: 415 }));
    expect(() => readImageHeader(new Uint8Array(0))).toThrow(expect.objectContaining({ code: "unsupported_media_type" }));
    for (const broken of [
      bytes([0xff, 0xd8, 0xff]), // SOI and nothing
      bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a]), // truncated APP0
      pngHeaderOnly(1, 1).subarray(0, 20), // IHDR cut in the width
      pngHeaderOnly(0, 10), // zero width
      bytes("RIFF", [0, 0, 0, 0], "WEBP", "VP8 "), // no frame header
    ]) {
      expect(() => readImageHeader(broken)).toThrow(expect.objectContaining({ code: "image_decode_failed", status: 400 }));
    }
  });
});

describe("header-first size limits", () => {
  it("refuses 100000×100000 PNG, 65535×65535 JPEG and 16384×16384 WebP headers with tiny bodies before touching a codec", async () => {
    for (const tiny of [pngHeaderOnly(100000, 100000), jpegHeaderOnly(65535, 65535), webpHeaderOnly(16384, 16384)]) {
      expect(tiny.length).toBeLessThan(40);
      const e = await errorOf(decodeImage(tiny, untouchableModules));
      expect([e.code, e.status]).toEqual(["image_too_large", 413]);
    }
  });

  it("applies maxSide and maxPixels separately, and accepts custom limits", async () => {
    expect(DEFAULT_IMAGE_LIMITS).toEqual({ maxPixels: 16777216, maxSide: 8192 });
    const long = await errorOf(decodeImage(pngHeaderOnly(8193, 10), untouchableModules));
    expect(long.message).toBe("image is 8193×10; the longest side may be at most 8192 px");
    const many = await errorOf(decodeImage(pngHeaderOnly(5000, 4000), untouchableModules));
    expect(many.message).toBe("image is 5000×4000 = 20000000 px; at most 16777216 px are accepted");
    const custom = await errorOf(decodeImage(await toPng(blocks(40, 30)), untouchableModules, { maxPixels: 1199 }));
    expect(custom.code).toBe("image_too_large");
    // At the limit it is decoded (needs the real codecs).
    const ok = await decodeImage(await toPng(blocks(40, 30)), await loadNodeWasmModules(), { maxPixels: 1200, maxSide: 40 });
    expect([ok.originalWidth, ok.originalHeight]).toEqual([40, 30]);
  });

  it("a header within limits whose body is missing is a decode failure, not a crash", async () => {
    const modules = await loadNodeWasmModules();
    for (const tiny of [pngHeaderOnly(4000, 3000), jpegHeaderOnly(4000, 3000), webpHeaderOnly(4000, 3000)]) {
      const e = await errorOf(decodeImage(tiny, modules));
      expect([e.code, e.status]).toEqual(["image_decode_failed", 400]);
    }
  });
});

describe("JPEG marker walk (jpeg-header.ts)", () => {
  it("looks at the first segment too (image-size skips it): a huge SOF0 there followed by a small image is refused before decoding", async () => {
    const small = await toJpeg(blocks(16, 16));
    const hugeFirst = new Uint8Array([...jpegHeaderOnly(65535, 65535).subarray(0, 21), ...small.subarray(2)]);
    const e = await errorOf(decodeImage(hugeFirst, untouchableModules));
    // libjpeg would stop at the duplicate SOF too (JERR_SOF_DUPLICATE); image-size would report 16×16.
    expect([e.code, e.message]).toEqual(["image_decode_failed", "jpeg header is truncated or corrupt: JPEG has two SOF markers"]);
  });

  it("reads a little-endian EXIF block whose IFD0 is not at offset 8, after a JFIF APP0", async () => {
    const jpeg = await toJpeg(blocks(24, 8));
    // "Exif\0\0" "II" 42 IFD0@12, 4 padding bytes, 2 entries: 0x010f (ASCII, ignored), 0x0112 = 8.
    const tiff = [0x49, 0x49, 0x2a, 0x00, 0x0c, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x02, 0x00,
      0x0f, 0x01, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00,
      0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    const app1 = [0xff, 0xe1, 0, tiff.length + 8, 0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
    const app0Length = (jpeg[4] << 8) | jpeg[5];
    const at = 4 + app0Length; // after SOI + APP0
    const withExif = new Uint8Array([...jpeg.subarray(0, at), ...app1, ...jpeg.subarray(at)]);
    expect(readImageHeader(withExif)).toEqual({ type: "jpeg", width: 24, height: 8, orientation: 8 });
  });

  it("refuses SOS before SOF, EOI before SOS, unknown markers, lossless SOF3 and a truncated SOF", () => {
    for (const broken of [
      bytes([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]),
      bytes([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x02, 0xff, 0xd9]),
      bytes([0xff, 0xd8, 0xff, 0xf3, 0x00, 0x02, 0xff, 0xda]),
      bytes([0xff, 0xd8, 0xff, 0xc3, 0x00, 0x0b, 8, 0, 16, 0, 16, 1, 1, 0x11, 0, 0xff, 0xda]),
      jpegHeaderOnly(100, 100).subarray(0, 12),
    ]) {
      expect(() => readImageHeader(broken)).toThrow(expect.objectContaining({ code: "image_decode_failed" }));
    }
  });

  it("reads only the view it is given, not the rest of the underlying buffer", () => {
    const whole = pngHeaderOnly(7, 9);
    expect(readImageHeader(whole).width).toBe(7);
    expect(() => readImageHeader(whole.subarray(0, 18))).toThrow(expect.objectContaining({ code: "image_decode_failed" }));
  });
});
