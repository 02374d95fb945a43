/** Helpers for tests inside workerd: PNG bytes of the synthetic scenes, request builders. */
import encodePng, { init as initPngEncoder } from "@jsquash/png/encode.js";
import { workerWasmModules } from "../../src/runtime/wasm-modules.worker";
import { crop, scene, toRgba } from "../shared/synthetic-images";
import type { Pixels } from "../../src/types";

let ready: Promise<unknown> | undefined;

export async function pngBytes(p: Pixels): Promise<Uint8Array> {
  ready ??= initPngEncoder(workerWasmModules.pngDecoder);
  await ready;
  return new Uint8Array(await encodePng(toRgba(p) as unknown as ImageData));
}

/** Two 192×160 views of one scene, the second shifted by (32, 16) px. */
export async function scenePair(): Promise<[Uint8Array, Uint8Array]> {
  const s = scene(320, 256);
  return [await pngBytes(crop(s, 40, 40, 192, 160)), await pngBytes(crop(s, 72, 56, 192, 160))];
}

/** Small, fast options for extraction in tests (the tutorial defaults are tested elsewhere). */
export const FAST_OPTIONS = { fit: "none", scales: [0.5, 1.0], scoreThreshold: 0, maxFeatures: 300 } as const;

export function multipart(fields: Record<string, Uint8Array | string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, new Blob([value as Uint8Array<ArrayBuffer>]), `${name}.png`);
  }
  return form;
}

export function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
