/**
 * Brings up everything compute-side once per isolate/process: tfjs-wasm SIMD and the kernels.
 * Both front doors (the Worker, and Node for CLI/tests/benchmarks) call this with their own
 * WasmModules.
 */
import type { WasmModules } from "./wasm-modules";
import { startTfjsWasm } from "./tfjs";
import { startKernels, type KernelExports } from "./kernels";
import { setConvKernelModules } from "../delf/conv-engine/kernel";

export interface Runtime {
  modules: WasmModules;
  kernels: KernelExports;
}

let runtime: Promise<Runtime> | undefined;

export function startRuntime(modules: WasmModules): Promise<Runtime> {
  runtime ??= (async () => {
    setConvKernelModules(modules);
    const [, kernels] = await Promise.all([startTfjsWasm(modules.tfjsSimd), startKernels(modules.kernels)]);
    return { modules, kernels };
  })();
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}
