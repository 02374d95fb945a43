/**
 * Node-only (CLI, benchmarks): the kernels instance from build/kernels.wasm without compiling the other
 * wasm modules. (tsx resolves "…/wasm-modules.node" as a native addon, so scripts cannot import it.)
 */
import { readFile } from "node:fs/promises";
import { startKernels, type KernelExports } from "../runtime/kernels";

export async function loadKernelsInNode(): Promise<KernelExports> {
  const path = new URL("../../build/kernels.wasm", import.meta.url);
  return startKernels(await WebAssembly.compile(new Uint8Array(await readFile(path))));
}
