import type { DecodedRgba } from "./decoded-rgba";
import { passBytes, readString, type BindgenExports } from "./wasm-bindgen";

interface PngExports extends BindgenExports {
  decode(ptr: number, len: number): number;
}

/**
 * squoosh's PNG decoder (Rust `png` crate, @jsquash/png's wasm) on a fresh instance: RGBA 8-bit
 * for every colour type and bit depth (palette, grey, tRNS expanded; 16-bit reduced to 8).
 * Imports are bound by name prefix because wasm-bindgen suffixes them with a build hash.
 */
export function decodePngRgba(module: WebAssembly.Module, bytes: Uint8Array): DecodedRgba {
  // The png crate stops after the image data and never looks for IEND, so a file cut after its last
  // IDAT would decode; Pillow calls that truncated, and so do we.
  if (!hasIend(bytes)) throw new Error("PNG is truncated (no IEND chunk)");
  let exports!: PngExports;
  let result: DecodedRgba | undefined;
  const handlers: Record<string, (...args: number[]) => unknown> = {
    __wbindgen_throw: (ptr, len) => {
      throw new Error(readString(exports, ptr, len));
    },
    // Builds the ImageData the decoder returns; we keep it in a closure instead of a JS heap slot.
    __wbg_newwithownedu8clampedarrayandsh_: (ptr, len, width, height) => {
      const rgba = new Uint8Array(exports.memory.buffer, ptr >>> 0, len >>> 0).slice();
      result = { width: width >>> 0, height: height >>> 0, rgba };
      return 0;
    },
    __wbindgen_object_drop_ref: () => undefined,
  };
  const wbg: Record<string, (...args: number[]) => unknown> = {};
  for (const { module: ns, name } of WebAssembly.Module.imports(module)) {
    if (ns !== "wbg") continue;
    const key = Object.keys(handlers).find((prefix) => name.startsWith(prefix));
    // Imports only the 16-bit path uses: reaching one means the decoder went somewhere unexpected.
    wbg[name] = key ? handlers[key] : () => { throw new Error(`png codec called unsupported import ${name}`); };
  }
  const instance = new WebAssembly.Instance(module, { wbg });
  exports = instance.exports as unknown as PngExports;
  const ptr = passBytes(exports, bytes);
  exports.decode(ptr, bytes.length);
  if (!result) throw new Error("png codec returned no image");
  return result;
}

/** IEND is the last chunk: length 0, type "IEND", CRC AE 42 60 82 (trailing bytes after it are tolerated). */
const IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function hasIend(bytes: Uint8Array): boolean {
  outer: for (let at = bytes.length - IEND.length; at >= 8; at--) {
    for (let i = 0; i < IEND.length; i++) if (bytes[at + i] !== IEND[i]) continue outer;
    return true;
  }
  return false;
}
