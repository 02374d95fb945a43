/**
 * The few wasm-bindgen ABI pieces needed to call squoosh's Rust PNG codec (@jsquash/png) on a fresh
 * instance per call. Its own glue keeps one instance per process that can be created only once: its
 * memory never shrinks, and a failed PNG decode throws out of Rust without freeing
 * (measured: 200 truncated PNGs grew that memory from 7 MB to 474 MB). A per-call instance is freed
 * with its result, whatever happened inside.
 */
export interface BindgenExports {
  memory: WebAssembly.Memory;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_add_to_stack_pointer(delta: number): number;
}

/** Copies `bytes` into the instance's memory and returns its address. */
export function passBytes(exports: BindgenExports, bytes: Uint8Array): number {
  const ptr = exports.__wbindgen_malloc(bytes.length, 1) >>> 0;
  new Uint8Array(exports.memory.buffer).set(bytes, ptr);
  return ptr;
}

/** Reads a UTF-8 string the Rust side passed out (for error messages). */
export function readString(exports: BindgenExports, ptr: number, len: number): string {
  return new TextDecoder().decode(new Uint8Array(exports.memory.buffer, ptr >>> 0, len >>> 0));
}
