import type { WasmModules } from "../runtime/wasm-modules";

/** What differs between the Worker and Node front doors. */
export interface Platform {
  /** Compiled wasm modules (imported in the Worker, compiled from files in Node). */
  wasmModules(): Promise<WasmModules>;
}
