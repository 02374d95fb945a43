/**
 * Starts @tensorflow/tfjs-backend-wasm (SIMD, single thread) from an already compiled
 * WebAssembly.Module. The package's own `setBackend('wasm')` fetches and compiles the binary from
 * bytes, which Workers forbid; instead we run the package's emscripten factory with an
 * `instantiateWasm` hook over our Module, attach the same cwraps the package's `init()` attaches,
 * and register the backend under 'wasm' again (its kernels stay registered under that name).
 * Relies on package internals: tfjs is pinned to one exact version in package.json.
 */
import * as tf from "@tensorflow/tfjs-core";
import { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
// The non-threaded emscripten factory; it serves both the plain and the SIMD binary.
import wasmFactoryImport from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js";

/** The emscripten module as tfjs-backend-wasm sees it (only what we touch). */
export interface TfjsWasmModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => unknown;
  tfjs?: Record<string, unknown>;
}

/** Marks the backend instance we created, so health can read it back from the live engine. */
const SIMD_MARK = Symbol.for("delf-edge.simd");

type Factory = (config: Record<string, unknown>) => Promise<TfjsWasmModule>;
const wasmFactory = ((wasmFactoryImport as unknown as { default?: Factory }).default ??
  wasmFactoryImport) as unknown as Factory;

let started: Promise<void> | undefined;

function instantiate(module: WebAssembly.Module): Promise<TfjsWasmModule> {
  return wasmFactory({
    instantiateWasm(
      imports: WebAssembly.Imports,
      receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) {
      WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module));
      return {};
    },
  });
}

function attachTfjsBindings(wasm: TfjsWasmModule): void {
  wasm.tfjs = {
    init: wasm.cwrap("init", null, []),
    initWithThreadsCount: wasm.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: wasm.cwrap("get_threads_count", "number", []),
    registerTensor: wasm.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: wasm.cwrap("dispose_data", null, ["number"]),
    dispose: wasm.cwrap("dispose", null, []),
  };
}

/**
 * Makes 'wasm' the active tfjs backend, backed by `simdModule`. Idempotent per isolate/process.
 */
export function startTfjsWasm(simdModule: WebAssembly.Module): Promise<void> {
  started ??= (async () => {
    const wasm = await instantiate(simdModule);
    attachTfjsBindings(wasm);
    // Only look at the factory: findBackend() would start the package's own (fetching) init.
    if (tf.findBackendFactory("wasm")) tf.removeBackend("wasm");
    tf.registerBackend("wasm", () => {
      const backend = new BackendWasm(wasm as never);
      (backend as unknown as Record<symbol, boolean>)[SIMD_MARK] = true;
      return backend;
    }, 3);
    const ok = await tf.setBackend("wasm");
    if (!ok) throw new Error("tfjs-backend-wasm failed to initialise");
    await tf.ready();
  })();
  started.catch(() => {
    started = undefined;
  });
  return started;
}

/** What the live engine runs on (read back, not assumed). */
export function tfjsBackendStatus(): { backend: string; simd: boolean } {
  // engine().backendName is read without side effects; tf.getBackend() would start a backend.
  const backend = (tf.engine() as unknown as { backendName?: string }).backendName ?? "none";
  const instance = backend === "none" ? null : tf.engine().registry[backend];
  return { backend, simd: Boolean((instance as unknown as Record<symbol, boolean> | undefined)?.[SIMD_MARK]) };
}

/** The wasm module behind the active backend, for heap measurements and direct memory access. */
export function tfjsWasmModule(): TfjsWasmModule {
  const backend = tf.engine().findBackend("wasm") as unknown as { wasm?: TfjsWasmModule } | null;
  if (!backend?.wasm) throw new Error("tfjs wasm backend is not started");
  return backend.wasm;
}

/** Current size of the tfjs wasm heap in bytes (it only grows). */
export function tfjsWasmHeapBytes(): number {
  return tfjsWasmModule().HEAPU8.buffer.byteLength;
}
