/**
 * `bench -- photo-accuracy [--out DIR]`: how far the reduced decode (src/image/scaled) lands from
 * Pillow's full-resolution tutorial fit. Shared images (../shared/data/pairs) are upscaled to 12 MP
 * (4000×3000: JPEG, PNG, lossy WebP) and 24 MP (6000×4000: JPEG), bilinear plus ±6 grain; each file
 * goes through decodeAndFit(fit 256); scripts/crosscheck/pillow_fit.py (Debian python3-pil) writes
 * Pillow's fit of the same file; this compares pixels (mean / max absolute difference) and DELF
 * keypoints (synthetic weights: share of (x, y, scale) locations found in both). Cross-check only.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import encodeJpeg from "@jsquash/jpeg/encode.js";
import encodeWebp from "@jsquash/webp/encode.js";
import encodePng from "@jsquash/png/encode.js";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { startRuntime } from "../../src/runtime/start";
import { decodeImage } from "../../src/image/decode";
import { decodeAndFit } from "../../src/image/decode-fit";
import { IMAGE_LIMITS } from "../../src/service/extract-image";
import { syntheticDelfModel } from "../../src/delf/model";
import { extractDelfFeatures } from "../../src/delf/extract";
import { upscaleToRgba } from "../../test/shared/large-images";
import { initPhotoEncoders } from "./photos";

const SHARED = fileURLToPath(new URL("../../../shared/data/pairs/", import.meta.url));
const IMAGES = ["graf/img1.png", "opencv-samples/aero1.jpg", "opencv-samples/leuvenA.jpg", "opencv-samples/box_in_scene.png"];

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: "string" } } });
  const out = values.out ?? fileURLToPath(new URL("../../build/bench/accuracy/", import.meta.url));
  await mkdir(out, { recursive: true });
  await initPhotoEncoders();
  const modules = await loadNodeWasmModules();
  await startRuntime(modules);
  const jpeg = { quality: 90, progressive: false, baseline: true, auto_subsample: false, chroma_subsample: 2 };

  const ours = new Map<string, { pixels: Uint8Array; denom: number }>();
  for (const image of IMAGES) {
    const src = (await decodeImage(new Uint8Array(await readFile(join(SHARED, image))), modules, { maxPixels: 4e6 })).pixels;
    const stem = image.replace(/[/.]/g, "_");
    const files: Array<[string, () => Promise<ArrayBuffer>]> = [
      [`${stem}-24mp.jpg`, () => encodeJpeg(upscaleToRgba(src, 6000, 4000, 6) as ImageData, jpeg)],
      [`${stem}-12mp.jpg`, () => encodeJpeg(upscaleToRgba(src, 4000, 3000, 6) as ImageData, jpeg)],
      [`${stem}-12mp.png`, () => encodePng(upscaleToRgba(src, 4000, 3000, 6) as ImageData)],
      [`${stem}-12mp.webp`, () => encodeWebp(upscaleToRgba(src, 4000, 3000, 6) as ImageData, { quality: 90 })],
    ];
    for (const [name, encode] of files) {
      const bytes = new Uint8Array(await encode());
      await writeFile(join(out, name), bytes);
      const fitted = await decodeAndFit(bytes, 256, modules, IMAGE_LIMITS);
      ours.set(name, { pixels: fitted.fitted.pixels.data.slice(), denom: fitted.denom });
    }
  }
  // Debian's python3 (python3-pil), not whatever python3 comes first on PATH.
  execFileSync(existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3", [fileURLToPath(new URL("../crosscheck/pillow_fit.py", import.meta.url)), out], { stdio: "inherit" });

  const model = syntheticDelfModel(1);
  const rows = [];
  for (const [name, { pixels, denom }] of ours) {
    const pillow = new Uint8Array(await readFile(join(out, `${name}.pillow.rgb`)));
    let sum = 0;
    let max = 0;
    for (let i = 0; i < pixels.length; i++) {
      const d = Math.abs(pixels[i] - pillow[i]);
      sum += d;
      if (d > max) max = d;
    }
    const a = await extractDelfFeatures(model, { width: 256, height: 256, data: pixels }, {});
    const b = await extractDelfFeatures(model, { width: 256, height: 256, data: pillow }, {});
    const key = (f: typeof a, i: number) => `${f.locations[2 * i]},${f.locations[2 * i + 1]},${f.scales[i]}`;
    const inB = new Set(Array.from({ length: b.count }, (_, i) => key(b, i)));
    const same = Array.from({ length: a.count }, (_, i) => key(a, i)).filter((k) => inB.has(k)).length;
    rows.push({ file: name, denom, meanAbs: Number((sum / pixels.length).toFixed(3)), maxAbs: max, keypoints: [a.count, b.count], sameKeypointShare: Number((same / Math.max(a.count, b.count)).toFixed(3)) });
  }
  model.dispose();
  process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
  return 0;
}
