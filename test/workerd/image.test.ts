// Runs INSIDE workerd: the image pipeline (header, decode, orientation, fit) with the codec modules
// imported the way the deployed Worker imports them, giving the same bytes as Node.
import { describe, expect, it } from "vitest";
import { workerWasmModules } from "../../src/runtime/wasm-modules.worker";
import { decodeImage } from "../../src/image/decode";
import { fitImage } from "../../src/image/fit";
import { ImageError } from "../../src/image/errors";
import { embeddedBytes, pipelineDigest } from "../node/image/embedded";
import encodeJpeg, { init as initJpegEncoder } from "@jsquash/jpeg/encode.js";
import encodePng, { init as initPngEncoder } from "@jsquash/png/encode.js";
import mozjpegEncoder from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
import { CAMERA_JPEG, reducedDigest } from "../shared/reduced-digest";

/** The same literal as test/node/image/large.test.ts: the reduced-decode path (photo decoder, PNG rows). */
const NODE_REDUCED_DIGEST = "27efa1b502f368769cb54a68937392bcce1bd8fc8d14172430bdb9b32662ac35";

/** The same literal as test/node/image/embedded.test.ts: identical pixels in both runtimes. */
const NODE_DIGEST = "e2c71c47313627d7ed817ab44c841708027be3663fb62b6f18e93cd44869452f";

describe("image pipeline inside workerd", () => {
  it("decodes JPEG (EXIF 6), WebP and PNG and fits them to exactly the bytes Node produces", async () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
    expect(await pipelineDigest(workerWasmModules)).toBe(NODE_DIGEST);
  });

  it("applies EXIF orientation 6 and the tutorial crop", async () => {
    const decoded = await decodeImage(embeddedBytes("jpeg"), workerWasmModules);
    expect([decoded.type, decoded.originalWidth, decoded.originalHeight]).toEqual(["jpeg", 60, 80]);
    const fitted = fitImage(decoded.pixels, 256);
    expect(fitted.description.crop).toEqual({ x: 0, y: 10, width: 60, height: 60 });
    expect(fitted.toOriginal(-0.5, -0.5)).toEqual([-0.5, 9.5]);
  });

  it("refuses a huge declared PNG from its header and a truncated PNG with typed errors", async () => {
    const png = embeddedBytes("png");
    const huge = png.slice(0, 33);
    new DataView(huge.buffer).setUint32(16, 100000);
    new DataView(huge.buffer).setUint32(20, 100000);
    await expect(decodeImage(huge, workerWasmModules)).rejects.toMatchObject({ code: "image_too_large", status: 413 });
    const err = await decodeImage(png.subarray(0, png.length - 40), workerWasmModules).catch((e) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect(err.code).toBe("image_decode_failed");
  });

  it("every truncation and many bit flips of the embedded JPEG/WebP/PNG end as ImageError, and decoding still works after", async () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const failures = new Map<string, number>();
    for (const name of ["jpeg", "webp", "png"] as const) {
      const good = embeddedBytes(name);
      for (let i = 0; i < 60; i++) {
        const cut = 12 + Math.floor(random() * (good.length - 12));
        const err = await decodeImage(good.slice(0, cut), workerWasmModules).catch((e) => e);
        expect([name, cut, err instanceof ImageError && err.code]).toEqual([name, cut, "image_decode_failed"]);
        const flipped = good.slice();
        flipped[Math.floor(random() * flipped.length)] ^= 1 << Math.floor(random() * 8);
        const r = await decodeImage(flipped, workerWasmModules).catch((e) => e);
        if (r instanceof Error) {
          expect(r).toBeInstanceOf(ImageError);
          failures.set(name, (failures.get(name) ?? 0) + 1);
        }
      }
    }
    expect(failures.get("jpeg")).toBeGreaterThan(0);
    expect(await pipelineDigest(workerWasmModules)).toBe(NODE_DIGEST);
  });

  it("decodes a 1600×1200 JPEG and PNG at 1/2 (own photo decoder, PNG rows) to exactly the bytes Node produces", async () => {
    await (initJpegEncoder as unknown as (m: WebAssembly.Module) => Promise<void>)(mozjpegEncoder);
    await (initPngEncoder as unknown as (m: WebAssembly.Module) => Promise<void>)(workerWasmModules.pngDecoder);
    const digest = await reducedDigest(workerWasmModules, {
      jpeg: async (i) => new Uint8Array(await encodeJpeg(i, CAMERA_JPEG)),
      png: async (i) => new Uint8Array(await encodePng(i)),
    });
    expect(digest).toBe(NODE_REDUCED_DIGEST);
  }, 60_000);
});
