/**
 * `bench -- photos [--out DIR] [--grain N] [--only PREFIX,…]`: writes phone-sized test photos made
 * from the shared graf pair (../shared/data/pairs/graf/img1.png, img2.png), for
 * `bench -- memory --image1 … --image2 …`:
 *   jpeg24-{1,2}.jpg  6000×4000 baseline 4:2:0 q90      png12-{1,2}.png   4000×3000 RGB, no grain
 *   jpeg24x-{1,2}.jpg 6000×4000 baseline 4:4:4 q97 (≈ 15 MiB: the largest JPEG)
 *   png12g-{1,2}.png  4000×3000 RGB with the grain (≈ 20+ MiB: a realistic photo PNG)
 *   jpeg12p-{1,2}.jpg 4000×3000 progressive 4:2:0 q90    webp12-{1,2}.webp 4000×3000 lossy q90
 *   jpeg4p-{1,2}.jpg  2400×1600 progressive (the largest accepted) webp2l-{1,2}.webp 1700×1200 lossless
 * Bilinear upscale plus deterministic grain (±N levels, default 24) so the JPEGs are photo-sized.
 * --only writes just the files whose names start with one of the prefixes.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import encodeJpeg, { init as initJpegEncoder } from "@jsquash/jpeg/encode.js";
import encodeWebp, { init as initWebpEncoder } from "@jsquash/webp/encode.js";
import encodePng, { init as initPngEncoder } from "@jsquash/png/encode.js";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { decodeImage } from "../../src/image/decode";
import { upscaleToRgba } from "../../test/shared/large-images";

const require = createRequire(import.meta.url);
const SHARED = fileURLToPath(new URL("../../../shared/data/pairs/graf/", import.meta.url));
export const DEFAULT_PHOTO_DIR = fileURLToPath(new URL("../../build/bench/photos/", import.meta.url));

async function compile(specifier: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(new Uint8Array(await readFile(require.resolve(specifier))));
}

/** The @jsquash JPEG, WebP and PNG encoders, ready (their wasm read from node_modules). */
export async function initPhotoEncoders(): Promise<void> {
  const init = (f: unknown) => f as (m: WebAssembly.Module) => Promise<unknown>;
  await init(initJpegEncoder)(await compile("@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm"));
  await init(initWebpEncoder)(await compile("@jsquash/webp/codec/enc/webp_enc_simd.wasm"));
  await init(initPngEncoder)(await compile("@jsquash/png/codec/pkg/squoosh_png_bg.wasm"));
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: "string" }, grain: { type: "string", default: "24" }, only: { type: "string" } } });
  const only = values.only?.split(",");
  const out = values.out ?? DEFAULT_PHOTO_DIR;
  const grain = Number(values.grain);
  await mkdir(out, { recursive: true });
  await initPhotoEncoders();
  const modules = await loadNodeWasmModules();
  const jpeg = (progressive: boolean) => ({ quality: 90, progressive, baseline: !progressive, auto_subsample: false, chroma_subsample: 2 });
  for (const i of [1, 2]) {
    const src = (await decodeImage(new Uint8Array(await readFile(join(SHARED, `img${i}.png`))), modules)).pixels;
    const files: Array<[string, () => Promise<ArrayBuffer>]> = [
      [`jpeg24-${i}.jpg`, () => encodeJpeg(upscaleToRgba(src, 6000, 4000, grain, i) as ImageData, jpeg(false))],
      [`jpeg12p-${i}.jpg`, () => encodeJpeg(upscaleToRgba(src, 4000, 3000, grain, i) as ImageData, jpeg(true))],
      [`jpeg24x-${i}.jpg`, () => encodeJpeg(upscaleToRgba(src, 6000, 4000, grain, i) as ImageData, { ...jpeg(false), quality: 97, chroma_subsample: 1 })],
      [`png12-${i}.png`, () => encodePng(upscaleToRgba(src, 4000, 3000, 0, i) as ImageData)],
      [`png12g-${i}.png`, () => encodePng(upscaleToRgba(src, 4000, 3000, grain, i) as ImageData)],
      [`webp12-${i}.webp`, () => encodeWebp(upscaleToRgba(src, 4000, 3000, grain, i) as ImageData, { quality: 90 })],
      [`jpeg4p-${i}.jpg`, () => encodeJpeg(upscaleToRgba(src, 2400, 1600, grain, i) as ImageData, jpeg(true))],
      [`webp2l-${i}.webp`, () => encodeWebp(upscaleToRgba(src, 1700, 1200, grain, i) as ImageData, { lossless: 1 })],
    ];
    for (const [name, encode] of files) {
      if (only && !only.some((prefix) => name.startsWith(`${prefix}-`))) continue;
      const bytes = new Uint8Array(await encode());
      await writeFile(join(out, name), bytes);
      process.stdout.write(`${join(out, name)}\t${bytes.length} bytes\n`);
    }
  }
  return 0;
}
