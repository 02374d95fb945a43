/** Node-only (CLI, benchmarks, tests): the kernels instance, from the same compiled modules the platform uses. */
import { loadNodeWasmModules } from "../runtime/wasm-modules.node.js"; // .js: tsx takes a bare ".node" for a native addon
import { startKernels, type KernelExports } from "../runtime/kernels";

export async function loadKernelsInNode(): Promise<KernelExports> {
  return startKernels((await loadNodeWasmModules()).kernels);
}
