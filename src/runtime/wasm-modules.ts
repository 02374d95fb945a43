/**
 * Every compiled WebAssembly module the pipeline needs. Workers forbid compiling wasm from bytes,
 * so the Worker imports them as modules (wasm-modules.worker.ts) while Node compiles the same
 * files from disk (wasm-modules.node.ts). Everything downstream only sees this record.
 */
export interface WasmModules {
  /** @tensorflow/tfjs-backend-wasm's SIMD binary (single-threaded). */
  tfjsSimd: WebAssembly.Module;
  /** The AssemblyScript kernels (build/kernels.wasm). */
  kernels: WebAssembly.Module;
  /** The DELF conv kernel (assembly/conv/): relaxed-SIMD build, null where the runtime lacks it. */
  convRelaxed: WebAssembly.Module | null;
  /** The DELF conv kernel's plain SIMD128 build (the fallback). */
  convSimd: WebAssembly.Module;
  /** Image codecs (@jsquash). */
  jpegDecoder: WebAssembly.Module;
  pngDecoder: WebAssembly.Module;
  webpDecoder: WebAssembly.Module;
  /** The project's own libjpeg-turbo + libwebp build for reduced-size decoding (codecs/photo-decoder). */
  photoDecoder: WebAssembly.Module;
}
