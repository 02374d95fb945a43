// Node side (tests, CLI, benchmarks): compile the same .wasm files the Worker imports.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { WasmModules } from "./wasm-modules";

const require = createRequire(import.meta.url);
const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

async function compileFile(path: string): Promise<WebAssembly.Module> {
  return WebAssembly.compile(new Uint8Array(await readFile(path)));
}

/** The relaxed-SIMD build only where this V8 validates it (Node 20 needs --experimental-wasm-relaxed-simd). */
async function compileIfValid(path: string): Promise<WebAssembly.Module | null> {
  const bytes = new Uint8Array(await readFile(path));
  return WebAssembly.validate(bytes) ? WebAssembly.compile(bytes) : null;
}

function packageFile(specifier: string): string {
  return require.resolve(specifier);
}

let cached: Promise<WasmModules> | undefined;

/** Compiles (once per process) every wasm module the pipeline needs. */
export function loadNodeWasmModules(): Promise<WasmModules> {
  cached ??= (async () => {
    const [tfjsSimd, kernels, convRelaxed, convSimd, jpegDecoder, pngDecoder, webpDecoder, photoDecoder] = await Promise.all([
      compileFile(packageFile("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm")),
      compileFile(`${projectRoot}build/kernels.wasm`),
      compileIfValid(`${projectRoot}build/conv-relaxed.wasm`),
      compileFile(`${projectRoot}build/conv-simd.wasm`),
      compileFile(packageFile("@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm")),
      compileFile(packageFile("@jsquash/png/codec/pkg/squoosh_png_bg.wasm")),
      compileFile(packageFile("@jsquash/webp/codec/dec/webp_dec.wasm")),
      compileFile(`${projectRoot}codecs/photo-decoder/photo-decoder.wasm`),
    ]);
    return { tfjsSimd, kernels, convRelaxed, convSimd, jpegDecoder, pngDecoder, webpDecoder, photoDecoder };
  })();
  return cached;
}
