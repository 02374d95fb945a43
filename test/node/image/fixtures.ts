// Test helpers: the shared images, and fixtures built in-test with the @jsquash encoders (Node only).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import encodeJpeg, { init as initJpegEncoder } from "@jsquash/jpeg/encode.js";
import encodeWebp, { init as initWebpEncoder } from "@jsquash/webp/encode.js";
import encodePng, { init as initPngEncoder } from "@jsquash/png/encode.js";

const require = createRequire(import.meta.url);
export const sharedData = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
export const haveShared = existsSync(`${sharedData}pairs`);
if (!haveShared) console.warn(`skipping image tests on shared data: ${sharedData} not found`);

export async function readShared(relative: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(`${sharedData}${relative}`));
}

async function compile(specifier: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(new Uint8Array(await readFile(require.resolve(specifier))));
}

let encodersReady: Promise<void> | undefined;
function initEncoders(): Promise<void> {
  encodersReady ??= (async () => {
    const init = (f: unknown) => f as (m: WebAssembly.Module) => Promise<unknown>;
    await init(initJpegEncoder)(await compile("@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm"));
    await init(initWebpEncoder)(await compile("@jsquash/webp/codec/enc/webp_enc_simd.wasm"));
    await init(initPngEncoder)(await compile("@jsquash/png/codec/pkg/squoosh_png_bg.wasm"));
  })();
  return encodersReady;
}

export interface Rgba { width: number; height: number; data: Uint8ClampedArray }

export async function toJpeg(image: Rgba, quality = 95): Promise<Uint8Array> {
  await initEncoders();
  return new Uint8Array(await encodeJpeg(image as ImageData, { quality }));
}

/** A camera-like JPEG: 4:2:0, baseline unless `progressive` (mozjpeg's defaults are progressive and 4:4:4 at q ≥ 90). */
export async function toCameraJpeg(image: Rgba, quality = 90, progressive = false): Promise<Uint8Array> {
  await initEncoders();
  return new Uint8Array(await encodeJpeg(image as ImageData, { quality, progressive, baseline: !progressive, auto_subsample: false, chroma_subsample: 2 }));
}

export async function toWebp(image: Rgba, lossless = true): Promise<Uint8Array> {
  await initEncoders();
  return new Uint8Array(await encodeWebp(image as ImageData, lossless ? { lossless: 1, exact: 1 } : { quality: 90 }));
}

export async function toPng(image: Rgba): Promise<Uint8Array> {
  await initEncoders();
  return new Uint8Array(await encodePng(image as ImageData));
}

/**
 * A 16-bit RGBA PNG whose stored (big-endian) samples are `samples`. The encoder copies the
 * Uint16Array bytes as they lie in memory (little-endian), so each value is byte-swapped first.
 */
export async function toPng16(width: number, height: number, samples: number[]): Promise<Uint8Array> {
  await initEncoders();
  const data = Uint16Array.from(samples, (v) => ((v & 255) << 8) | (v >> 8));
  return new Uint8Array(await encodePng({ width, height, data } as never, { bitDepth: 16 }));
}

/** A w×h image of 8×8-px blocks, each block a distinct colour: orientation and crops are visible. */
export function blocks(width: number, height: number, alpha = 255): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const bx = x >> 3, by = y >> 3;
      data[i] = (bx * 40 + 20) & 255;
      data[i + 1] = (by * 40 + 20) & 255;
      data[i + 2] = ((bx + by) * 25 + 30) & 255;
      data[i + 3] = alpha;
    }
  return { width, height, data };
}

/**
 * Inserts an EXIF APP1 segment right after SOI: "Exif\0\0", big-endian TIFF header, IFD0 with one
 * entry, Orientation (tag 0x0112, SHORT, count 1).
 */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const tiff = [
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // "MM", 42, IFD0 at offset 8
    0x00, 0x01, // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, orientation >> 8, orientation & 255, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ];
  const payload = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00, ...tiff];
  const length = payload.length + 2;
  const app1 = [0xff, 0xe1, length >> 8, length & 255, ...payload];
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2));
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}

/** A deterministic PRNG so corruption loops are reproducible. */
export { mulberry32 as rng } from "../../shared/prng";

export function rgbAt(p: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const i = (y * p.width + x) * 3;
  return [p.data[i], p.data[i + 1], p.data[i + 2]];
}
