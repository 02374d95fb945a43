import { passBytes, type BindgenExports } from "./wasm-bindgen";

interface ResizeExports extends BindgenExports {
  resize(
    retptr: number, ptr: number, len: number,
    inWidth: number, inHeight: number, outWidth: number, outHeight: number,
    method: number, premultiply: number, linearRgb: number,
  ): void;
}

/** @jsquash/resize's method indices (its index.js `resizeMethods`). */
const LANCZOS3 = 3;

/**
 * Lanczos3 resize of RGBA bytes with squoosh_resize (Rust `resize` crate) on a fresh instance.
 * No premultiplication and no linear-light conversion: Pillow resamples gamma-encoded sRGB values
 * directly, and alpha is always 255 here.
 */
export function resizeRgbaLanczos3(
  module: WebAssembly.Module, rgba: Uint8Array, inWidth: number, inHeight: number, outWidth: number, outHeight: number,
): Uint8Array {
  const exports = new WebAssembly.Instance(module, { wbg: {} }).exports as unknown as ResizeExports;
  const retptr = exports.__wbindgen_add_to_stack_pointer(-16);
  const ptr = passBytes(exports, rgba);
  exports.resize(retptr, ptr, rgba.length, inWidth, inHeight, outWidth, outHeight, LANCZOS3, 0, 0);
  const ret = new Int32Array(exports.memory.buffer, retptr, 2);
  const outPtr = ret[0] >>> 0;
  const outLen = ret[1] >>> 0;
  if (outLen !== outWidth * outHeight * 4) throw new Error(`resize returned ${outLen} bytes`);
  return new Uint8Array(exports.memory.buffer, outPtr, outLen).slice();
}
