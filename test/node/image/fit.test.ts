import { describe, expect, it } from "vitest";
import { decodeImage } from "../../../src/image/decode";
import { fitImage, maxSideSize, pillowFitBox } from "../../../src/image/fit";
import type { Pixels } from "../../../src/types";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node";
import { haveShared, readShared, rgbAt } from "./fixtures";

const modules = await loadNodeWasmModules();

function grey(width: number, height: number, value: (x: number, y: number) => number): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.fill(value(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, data };
}

describe("fit 256 = Pillow ImageOps.fit(img, (256, 256), LANCZOS)", () => {
  it("crop box: Pillow's float arithmetic, half-pixel offsets kept", () => {
    expect(pillowFitBox(640, 480, 256, 256)).toEqual({ x: 80, y: 0, width: 480, height: 480 });
    expect(pillowFitBox(480, 640, 256, 256)).toEqual({ x: 0, y: 80, width: 480, height: 480 });
    expect(pillowFitBox(324, 223, 256, 256)).toEqual({ x: 50.5, y: 0, width: 223, height: 223 });
    expect(pillowFitBox(100, 301, 256, 256)).toEqual({ x: 0, y: 100.5, width: 100, height: 100 });
    expect(pillowFitBox(300, 300, 256, 256)).toEqual({ x: 0, y: 0, width: 300, height: 300 });
  });

  it("640×480: 256×256 output, description and toOriginal of corners and centre", async () => {
    const fitted = fitImage(grey(640, 480, (x) => x & 255), 256);
    expect([fitted.pixels.width, fitted.pixels.height, fitted.pixels.data.length]).toEqual([256, 256, 256 * 256 * 3]);
    expect(fitted.description).toEqual({ fit: 256, width: 256, height: 256, crop: { x: 80, y: 0, width: 480, height: 480 }, scale: 1.875 });
    expect(fitted.toOriginal(0, 0)).toEqual([80.4375, 0.4375]);
    expect(fitted.toOriginal(255, 255)).toEqual([558.5625, 478.5625]);
    expect(fitted.toOriginal(-0.5, -0.5)).toEqual([79.5, -0.5]); // outer edge of the processed image
    expect(fitted.toOriginal(255.5, 255.5)).toEqual([559.5, 479.5]);
    expect(fitted.toOriginal(127.5, 127.5)).toEqual([319.5, 239.5]); // centre of the original
  });

  it("324×223 (odd difference): toOriginal includes the half-pixel box offset", async () => {
    const fitted = fitImage(grey(324, 223, () => 9), 256);
    expect(fitted.description.crop).toEqual({ x: 50.5, y: 0, width: 223, height: 223 });
    expect(fitted.description.scale).toBe(0.87109375);
    expect(fitted.toOriginal(-0.5, -0.5)).toEqual([50, -0.5]);
    expect(fitted.toOriginal(127.5, 127.5)).toEqual([161.5, 111]);
    expect(rgbAt(fitted.pixels, 200, 3)).toEqual([9, 9, 9]); // constants are preserved exactly
  });

  it("pixel-centre convention: a line at toOriginal(j) comes out centred on processed column j", async () => {
    // 1025×512 → box x = 256.5, scale 2: processed column j ↔ original column 2j + 257 (a whole pixel).
    const j = 100;
    const column = 2 * j + 257;
    const fitted = fitImage(grey(1025, 512, (x) => (x === column ? 255 : 0)), 256);
    expect(fitted.toOriginal(j, 0)[0]).toBe(column);
    const row = (x: number) => rgbAt(fitted.pixels, x, 128)[0];
    expect(row(j - 1)).toBe(row(j + 1)); // symmetric around j: would not be with a floored box or corner convention
    expect(row(j)).toBeGreaterThan(row(j - 1));
    // Pillow 9.4 gives exactly these values (neighbours are 0 because the taps there hit Lanczos zeros;
    // with a floored box j + 1 would be non-zero).
    expect([row(j - 2), row(j - 1), row(j), row(j + 1), row(j + 2)]).toEqual([0, 0, 128, 0, 0]);
  });

  it.skipIf(!haveShared)("real images: literal pixels equal to Pillow 9.4's ImageOps.fit output", async () => {
    const cases = [
      // file, RGB at (0,0), (128,128), (255,255), each taken from Pillow 9.4 with numpy-compared full images identical
      ["opencv-samples/aero1.jpg", [138, 153, 178], [180, 194, 194], [158, 143, 136]],
      ["opencv-samples/leuvenA.jpg", [209, 219, 231], [104, 77, 56], [110, 103, 87]],
      ["graf/img1.png", [199, 165, 142], [168, 169, 172], [42, 35, 47]],
      ["opencv-samples/box.png", [29, 29, 29], [201, 201, 201], [1, 1, 1]],
    ] as const;
    for (const [file, a, b, c] of cases) {
      const decoded = await decodeImage(await readShared(`pairs/${file}`), modules);
      const { pixels } = fitImage(decoded.pixels, 256);
      expect([file, rgbAt(pixels, 0, 0), rgbAt(pixels, 128, 128), rgbAt(pixels, 255, 255)]).toEqual([file, a, b, c]);
    }
  });
});

describe("fit { maxSide } and none", () => {
  it("output sizes: longer side = maxSide, aspect rounded, never upscaled", () => {
    expect(maxSideSize(640, 480, 300)).toEqual({ width: 300, height: 225 });
    expect(maxSideSize(480, 640, 300)).toEqual({ width: 225, height: 300 });
    expect(maxSideSize(1000, 333, 100)).toEqual({ width: 100, height: 33 });
    expect(maxSideSize(1000, 1, 100)).toEqual({ width: 100, height: 1 });
    expect(maxSideSize(640, 480, 640)).toEqual({ width: 640, height: 480 });
    expect(maxSideSize(640, 480, 4000)).toEqual({ width: 640, height: 480 });
  });

  it("downscale geometry: 1024 → 256 maps processed column j to original 4j + 1.5; a 2-px line there stays centred", async () => {
    const j = 60;
    const fitted = fitImage(grey(1024, 8, (x) => (x === 4 * j + 1 || x === 4 * j + 2 ? 200 : 0)), { maxSide: 256 });
    expect(fitted.description).toEqual({ fit: { maxSide: 256 }, width: 256, height: 2, crop: { x: 0, y: 0, width: 1024, height: 8 }, scale: 4 });
    expect(fitted.toOriginal(j, 0)).toEqual([4 * j + 1.5, 1.5]);
    const row = (x: number) => rgbAt(fitted.pixels, x, 1)[0];
    expect(row(j - 1)).toBe(row(j + 1));
    expect(row(j)).toBeGreaterThan(row(j - 1));
    expect([row(j - 2), row(j - 1), row(j), row(j + 1), row(j + 2)]).toEqual([0, 2, 97, 2, 0]); // = Pillow 9.4
  });

  it.skipIf(!haveShared)("aero1.jpg to maxSide 300: Pillow's resize((300, 225), LANCZOS) pixels", async () => {
    const decoded = await decodeImage(await readShared("pairs/opencv-samples/aero1.jpg"), modules);
    const { pixels } = fitImage(decoded.pixels, { maxSide: 300 });
    expect([pixels.width, pixels.height]).toEqual([300, 225]);
    expect([rgbAt(pixels, 0, 0), rgbAt(pixels, 150, 100), rgbAt(pixels, 299, 224)]).toEqual([[127, 151, 172], [172, 167, 172], [124, 110, 109]]);
  });

  it("'none' and a maxSide above the image are the identity (same pixels, identity mapping)", async () => {
    const src = grey(30, 20, (x, y) => x + y);
    for (const fit of ["none", { maxSide: 30 }, { maxSide: 999 }] as const) {
      const fitted = fitImage(src, fit);
      expect(fitted.pixels).toBe(src);
      expect(fitted.toOriginal(3, 7)).toEqual([3, 7]);
      expect(fitted.description.scale).toBe(1);
    }
  });

  it("a 256×256 image under fit 256 is returned unchanged", async () => {
    const src = grey(256, 256, (x, y) => (x * y) & 255);
    const fitted = fitImage(src, 256);
    expect(fitted.pixels).toBe(src);
    expect(fitted.toOriginal(10, 20)).toEqual([10, 20]);
  });

  it("invalid fits are programming errors (RangeError), options are validated at the HTTP edge", async () => {
    for (const fit of [{ maxSide: 0 }, { maxSide: 2.5 }, 128, "contain"]) {
      expect(() => fitImage(grey(4, 4, () => 0), fit as never)).toThrow(RangeError);
    }
  });
});
