/**
 * The reduced-decode path's output as one SHA-256, computed the same way in Node and inside workerd
 * (test/node/image/large.test.ts and test/workerd/image.test.ts hold the same literal): a 1600×1200
 * JPEG and PNG made from the synthetic scene, decoded at 1/2 and fitted to 256.
 */
import { decodeAndFit } from "../../src/image/decode-fit";
import type { WasmModules } from "../../src/runtime/wasm-modules";
import { IMAGE_LIMITS } from "../../src/service/extract-image";
import { upscaleToRgba } from "./large-images";
import { scene } from "./synthetic-images";

export type Encoders = { jpeg(image: ImageData): Promise<Uint8Array>; png(image: ImageData): Promise<Uint8Array> };

export async function reducedDigest(modules: WasmModules, encode: Encoders): Promise<string> {
  const rgba = upscaleToRgba(scene(400, 300), 1600, 1200, 6) as unknown as ImageData;
  const parts: Uint8Array[] = [];
  for (const bytes of [await encode.jpeg(rgba), await encode.png(rgba)]) {
    const { fitted, denom } = await decodeAndFit(bytes, 256, modules, IMAGE_LIMITS);
    if (denom !== 2) throw new Error(`expected a 1/2 decode, got 1/${denom}`);
    parts.push(fitted.pixels.data);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", all)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Baseline 4:2:0 q90, the camera-like settings used throughout. */
export const CAMERA_JPEG = { quality: 90, progressive: false, baseline: true, auto_subsample: false, chroma_subsample: 2 };
