import { describe, expect, it } from "vitest";
import { decodeImage } from "../../../src/image/decode";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node";
import { blocks, haveShared, readShared, rgbAt, toJpeg, toPng, toPng16, toWebp, withExifOrientation } from "./fixtures";

const modules = await loadNodeWasmModules();

describe.skipIf(!haveShared)("decoding the shared images", () => {
  it.each([
    // file, type, width, height, RGB at (0,0), (100,50), (width-1,height-1)
    ["opencv-samples/aero1.jpg", "jpeg", 640, 480, [128, 153, 173], [140, 152, 168], [129, 115, 114]],
    ["opencv-samples/leuvenA.jpg", "jpeg", 751, 563, [25, 24, 29], [17, 16, 21], [87, 81, 59]],
    ["graf/img1.png", "png", 800, 640, [219, 209, 215], [45, 31, 38], [41, 37, 35]],
    ["opencv-samples/box.png", "png", 324, 223, [21, 21, 21], [136, 136, 136], [18, 18, 18]],
  ] as const)("%s", async (file, type, width, height, first, mid, last) => {
    const decoded = await decodeImage(await readShared(`pairs/${file}`), modules);
    expect([decoded.type, decoded.originalWidth, decoded.originalHeight]).toEqual([type, width, height]);
    expect([decoded.pixels.width, decoded.pixels.height, decoded.pixels.data.length]).toEqual([width, height, width * height * 3]);
    expect(rgbAt(decoded.pixels, 0, 0)).toEqual(first);
    expect(rgbAt(decoded.pixels, 100, 50)).toEqual(mid);
    expect(rgbAt(decoded.pixels, width - 1, height - 1)).toEqual(last);
  });
});

describe("fixtures encoded in the test", () => {
  // blocks(): 8×8-px blocks; block (bx, by) = [(40·bx + 20) & 255, (40·by + 20) & 255, (25·(bx + by) + 30) & 255].
  const block = (bx: number, by: number) => [(40 * bx + 20) & 255, (40 * by + 20) & 255, (25 * (bx + by) + 30) & 255];

  it("lossless WebP decodes to the exact pixels, alpha dropped (not composited)", async () => {
    const decoded = await decodeImage(await toWebp(blocks(64, 48, 100)), modules);
    expect([decoded.type, decoded.originalWidth, decoded.originalHeight]).toEqual(["webp", 64, 48]);
    expect(rgbAt(decoded.pixels, 3, 3)).toEqual(block(0, 0));
    expect(rgbAt(decoded.pixels, 12, 3)).toEqual(block(1, 0));
    expect(rgbAt(decoded.pixels, 63, 47)).toEqual(block(7, 5));
  });

  it("PNG with alpha 7 keeps the colour values exactly (Pillow convert('RGB') semantics)", async () => {
    const decoded = await decodeImage(await toPng(blocks(40, 24, 7)), modules);
    expect([decoded.type, decoded.originalWidth, decoded.originalHeight]).toEqual(["png", 40, 24]);
    expect(rgbAt(decoded.pixels, 0, 0)).toEqual([20, 20, 30]);
    expect(rgbAt(decoded.pixels, 39, 23)).toEqual(block(4, 2));
  });

  it("16-bit PNG keeps the high byte of each sample (as Pillow does for RGB/RGBA)", async () => {
    const png = await toPng16(2, 1, [0x1234, 0xff00, 0x00ff, 0x8000, 0xabcd, 0x0101, 0xfeff, 0xffff]);
    expect([png[24], png[25]]).toEqual([16, 6]); // IHDR: bit depth 16, colour type RGBA
    const decoded = await decodeImage(png, modules);
    expect(Array.from(decoded.pixels.data)).toEqual([0x12, 0xff, 0x00, 0xab, 0x01, 0xfe]);
  });

  it("JPEG: EXIF orientations 1–8 are applied (Pillow exif_transpose), dimensions swapped for 5–8", async () => {
    const stored = await toJpeg(blocks(64, 48), 100);
    // Displayed pixel (3,3) and (12,3) come from these stored blocks (w = 64, h = 48 → blocks 8 × 6).
    const expected: Record<number, [number, number, [number, number], [number, number]]> = {
      1: [64, 48, [0, 0], [1, 0]],
      2: [64, 48, [7, 0], [6, 0]],
      3: [64, 48, [7, 5], [6, 5]],
      4: [64, 48, [0, 5], [1, 5]],
      5: [48, 64, [0, 0], [0, 1]],
      6: [48, 64, [0, 5], [0, 4]],
      7: [48, 64, [7, 5], [7, 4]],
      8: [48, 64, [7, 0], [7, 1]],
    };
    for (let o = 1; o <= 8; o++) {
      const decoded = await decodeImage(withExifOrientation(stored, o), modules);
      const [w, h, a, b] = expected[o];
      expect([o, decoded.originalWidth, decoded.originalHeight]).toEqual([o, w, h]);
      // quality 100 JPEG: block centres are within 2 levels of the source colour
      for (const [[x, y], [bx, by]] of [[[3, 3], a], [[12, 3], b]] as const) {
        const got = rgbAt(decoded.pixels, x, y);
        const want = block(bx, by);
        for (let c = 0; c < 3; c++) expect(Math.abs(got[c] - want[c]), `o=${o} (${x},${y}) c${c}: ${got} vs ${want}`).toBeLessThanOrEqual(2);
      }
    }
  });

  it("orientation 6 is exactly a clockwise rotation of orientation 1's pixels", async () => {
    const stored = await toJpeg(blocks(24, 16), 90);
    const upright = await decodeImage(stored, modules);
    const rotated = await decodeImage(withExifOrientation(stored, 6), modules);
    for (const [x, y] of [[0, 0], [15, 0], [0, 23], [7, 11]]) {
      // displayed (x, y) of orientation 6 = stored (y, h − 1 − x)
      expect(rgbAt(rotated.pixels, x, y)).toEqual(rgbAt(upright.pixels, y, 16 - 1 - x));
    }
  });
});
