// Worker side: wrangler bundles each .wasm import as a precompiled WebAssembly.Module.
import tfjsSimd from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm";
import kernels from "../../build/kernels.wasm";
// workerd (current V8) has relaxed SIMD on by default.
import convRelaxed from "../../build/conv-relaxed.wasm";
import convSimd from "../../build/conv-simd.wasm";
import jpegDecoder from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
// @ts-ignore the package ships a .d.ts for wasm-bindgen glue; wrangler gives a Module
import pngDecoder from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm";
import webpDecoder from "@jsquash/webp/codec/dec/webp_dec.wasm";
import photoDecoder from "../../codecs/photo-decoder/photo-decoder.wasm";
import type { WasmModules } from "./wasm-modules";

export const workerWasmModules: WasmModules = {
  tfjsSimd,
  kernels,
  convRelaxed,
  convSimd,
  jpegDecoder,
  pngDecoder,
  webpDecoder,
  photoDecoder,
};
