// Bad input is normal input: every truncation and bit flip must end as an ImageError (or, for a flip
// that leaves a still-valid file, as a decode consistent with its header), never as another exception.
import { describe, expect, it } from "vitest";
import { decodeImage, type DecodedImage } from "../../../src/image/decode";
import { readImageHeader } from "../../../src/image/header";
import { ImageError } from "../../../src/image/errors";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node";
import { blocks, haveShared, readShared, rng, toJpeg, toPng, toWebp } from "./fixtures";

const modules = await loadNodeWasmModules();

async function outcome(bytes: Uint8Array): Promise<DecodedImage | ImageError> {
  try {
    return await decodeImage(bytes, modules);
  } catch (e) {
    if (e instanceof ImageError) return e;
    throw new Error(`non-ImageError escaped: ${String(e)}`, { cause: e });
  }
}

async function samples(): Promise<[string, Uint8Array][]> {
  const list: [string, Uint8Array][] = [
    ["jpeg baseline", await toJpeg(blocks(96, 64), 85)],
    ["png rgba", await toPng(blocks(96, 64, 128))],
    ["webp lossy", await toWebp(blocks(96, 64), false)],
    ["webp lossless", await toWebp(blocks(96, 64, 200), true)],
  ];
  if (haveShared) {
    list.push(["aero1.jpg (progressive? real camera file)", await readShared("pairs/opencv-samples/aero1.jpg")]);
    list.push(["box.png (grey)", await readShared("pairs/opencv-samples/box.png")]);
  }
  return list;
}

describe("malformed input", () => {
  it("zero bytes, all-zero files and text are 415 unsupported_media_type", async () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(1000), new TextEncoder().encode("<html>not an image</html>")]) {
      const r = await outcome(bytes);
      expect(r).toBeInstanceOf(ImageError);
      expect((r as ImageError).code).toBe("unsupported_media_type");
    }
  });

  it("a valid header followed by zeros instead of data is 400 image_decode_failed", async () => {
    // Not lossy WebP: VP8 partitions are read by a boolean decoder that accepts any bytes, so zeroed
    // data within the declared partition sizes is a valid (grey) image, as with most bit flips.
    for (const [name, good] of (await samples()).filter(([name]) => name !== "webp lossy")) {
      const bytes = good.slice();
      bytes.fill(0, Math.min(bytes.length - 1, name.startsWith("jpeg") || name.includes("jpg") ? 700 : 60));
      const r = await outcome(bytes);
      expect([name, r instanceof ImageError && r.code]).toEqual([name, "image_decode_failed"]);
    }
  });

  it("every truncation (80 random cut points per file, plus the last 1, 2 and 12 bytes) is image_decode_failed", async () => {
    const random = rng(1);
    for (const [name, good] of await samples()) {
      const cuts = [good.length - 1, good.length - 2, good.length - 12, 13];
      for (let i = 0; i < 80; i++) cuts.push(12 + Math.floor(random() * (good.length - 13)));
      for (const cut of cuts) {
        const r = await outcome(good.slice(0, cut));
        expect([name, cut, r instanceof ImageError && r.code]).toEqual([name, cut, "image_decode_failed"]);
      }
    }
  });

  it("bit flips (300 per file, 1–8 bits anywhere) give an ImageError or an image matching its header", async () => {
    const random = rng(2);
    for (const [name, good] of await samples()) {
      const codes = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const bytes = good.slice();
        const flips = 1 + Math.floor(random() * 8);
        for (let f = 0; f < flips; f++) bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
        const r = await outcome(bytes);
        const key = r instanceof ImageError ? r.code : "decoded";
        codes.set(key, (codes.get(key) ?? 0) + 1);
        if (!(r instanceof ImageError)) {
          const header = readImageHeader(bytes);
          const swap = header.orientation >= 5;
          expect([r.originalWidth, r.originalHeight]).toEqual(swap ? [header.height, header.width] : [header.width, header.height]);
          expect(r.pixels.data.length).toBe(r.originalWidth * r.originalHeight * 3);
        }
      }
      // The corruption must actually be caught some of the time (the loop is not vacuous).
      expect([name, (codes.get("image_decode_failed") ?? 0) > 0]).toEqual([name, true]);
    }
  });

  it("the codecs still decode correctly after hundreds of failures (fresh instances, no poisoned state)", async () => {
    const good = await toPng(blocks(32, 16));
    for (let i = 0; i < 200; i++) await outcome(good.slice(0, 40 + i));
    const r = await outcome(good);
    expect(r).not.toBeInstanceOf(ImageError);
    expect(Array.from((r as DecodedImage).pixels.data.subarray(0, 6))).toEqual([20, 20, 30, 20, 20, 30]);
  });
});

describe("concurrent decodes", () => {
  it("interleaved good and truncated JPEG/WebP decodes each get their own codec instance and verdict", async () => {
    const jpeg = await toJpeg(blocks(64, 48), 90);
    const webp = await toWebp(blocks(64, 48), false);
    const jobs: [Uint8Array, boolean][] = [];
    for (let i = 0; i < 12; i++) {
      jobs.push([jpeg.slice(0, jpeg.length - 50 - i), false], [jpeg, true], [jpeg, true]);
      jobs.push([webp.slice(0, webp.length - 20 - i), false], [webp, true], [webp, true]);
    }
    const results = await Promise.all(jobs.map(([bytes]) => outcome(bytes)));
    const verdicts = results.map((r) => (r instanceof ImageError ? r.code : "decoded"));
    expect(verdicts).toEqual(jobs.map(([, good]) => (good ? "decoded" : "image_decode_failed")));
  });
});
