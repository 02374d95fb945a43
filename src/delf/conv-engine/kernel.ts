/**
 * The conv kernel's wasm instance (assembly/conv/ → build/conv-{relaxed,simd}.wasm). It imports
 * tfjs-wasm's memory, so it reads and writes tfjs tensors where they are. Two builds of one source:
 * relaxed SIMD (f32x4.relaxed_madd → FMA) when the runtime supports it, plain SIMD128 otherwise.
 */
import * as tf from "@tensorflow/tfjs-core";

export type ConvKernelFlavour = "relaxed-simd" | "simd128";
/**
 * The GEMM kernel (register tile pixels × channels): "4x8s" packed A (the product's), "4x8" A read in
 * place (reference: tests, bench -- gemm). Both give bit-identical outputs.
 */
export const CONV_KERNEL_TILES = ["4x8s", "4x8"] as const;
export type ConvKernelTile = (typeof CONV_KERNEL_TILES)[number];

export interface ConvKernel {
  flavour: ConvKernelFlavour;
  tile: ConvKernelTile;
  conv(
    input: number, inH: number, inW: number, inC: number,
    packed: number, kh: number, kw: number, stride: number, padTop: number, padLeft: number,
    outH: number, outW: number, outC: number,
    bias: number, residual: number, output: number, relu: number, zeros: number,
  ): void;
  winograd4Input(input: number, inH: number, inW: number, inC: number, ty0: number, ty1: number, v: number, plane: number, tmp: number): void;
  winograd4Filter(packed: number, inC: number, p0: number, count: number, u: number, plane: number, tmp: number): void;
  winograd4Output(m: number, mC: number, plane: number, outH: number, outW: number, outC: number, o0: number, ty0: number, ty1: number, bias: number, relu: number, output: number, tmp: number): void;
  /** HWIO at `src` → 8-channel panels at `dst`, times `scale` per output channel (0: none); assembly/conv/pack.ts. */
  packFilter(src: number, scale: number, taps: number, inC: number, outC: number, dst: number): void;
}

export interface ConvKernelModules {
  /** null where the runtime cannot compile relaxed SIMD (Node 20 without the flag). */
  convRelaxed: WebAssembly.Module | null;
  convSimd: WebAssembly.Module;
}

let modules: ConvKernelModules | undefined;
const instances = new Map<string, ConvKernel>();

/** Records the compiled kernel modules (once per isolate/process; instantiated on first use). */
export function setConvKernelModules(m: ConvKernelModules): void {
  modules = m;
}

/** The best flavour the runtime has (relaxed SIMD if its module compiled). */
export function bestConvKernelFlavour(): ConvKernelFlavour | null {
  if (!modules) return null;
  return modules.convRelaxed ? "relaxed-simd" : "simd128";
}

/**
 * The tile the product runs, in Node and in workerd alike: 4x8s (packed A, one v128 A load and four
 * lane shuffles per k step). workerd's V8 bounds-checks every wasm memory access explicitly (no
 * trap-handler guard regions: cmp/jae before each load, seen in its TurboFan code), so its cost
 * follows the number of loads per FMA: 3 per 8 FMAs here, against 6 for 4x8 and 8 per 12 for the former 6x8 tile.
 * Node's V8 (guard regions, no checks) runs it as fast as 4x8. docs/BENCHMARKS.md, "DELF conv engine".
 */
export function bestConvKernelTile(): ConvKernelTile {
  return "4x8s";
}

/**
 * Bytes of the 4x8s kernel's packed-A scratch (assembly/conv/conv-packed.ts): 12 tiles of 4 pixels at
 * K = 1024 (the deepest 1×1), fewer tiles per block for deeper K (the 3×3/2 at K = 2304: 5).
 */
const PACKED_A_SCRATCH_BYTES = 192 * 1024;

function tfjsMalloc(bytes: number): number {
  const wasm = (tf.backend() as unknown as { wasm: { _malloc(bytes: number): number } }).wasm;
  const ptr = wasm._malloc(bytes) >>> 0;
  if (ptr === 0) throw new Error(`could not allocate ${bytes} bytes for the conv kernel`);
  return ptr;
}

/** The tfjs backend's WebAssembly.Memory (emscripten keeps the instance exports on Module.asm). */
function tfjsMemory(): WebAssembly.Memory {
  const wasm = (tf.backend() as unknown as { wasm?: { asm?: { memory?: WebAssembly.Memory } } }).wasm;
  const memory = wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error("tfjs-wasm memory not found (is the wasm backend active?)");
  return memory;
}

/** The kernel of `flavour` and `tile` (default: the best available), over tfjs-wasm's memory. */
export function convKernel(flavour: ConvKernelFlavour | null = bestConvKernelFlavour(), tile: ConvKernelTile = bestConvKernelTile()): ConvKernel {
  if (!modules || !flavour) throw new Error("conv kernel modules not set (startRuntime not called)");
  let kernel = instances.get(`${flavour} ${tile}`);
  if (!kernel) {
    const module = flavour === "relaxed-simd" ? modules.convRelaxed : modules.convSimd;
    if (!module) throw new Error("relaxed SIMD is not available in this runtime");
    // Synchronous instantiation of an already compiled module (allowed in Workers).
    const instance = new WebAssembly.Instance(module, { env: { memory: tfjsMemory() } });
    type Transforms = "winograd4Input" | "winograd4Filter" | "winograd4Output" | "packFilter";
    const exports = instance.exports as unknown as Pick<ConvKernel, Transforms> & {
      conv4x8: ConvKernel["conv"];
      conv4x8s(...args: [...Parameters<ConvKernel["conv"]>, scratch: number, scratchBytes: number]): void;
    };
    let conv = exports.conv4x8;
    if (tile === "4x8s") {
      // The packed-A scratch: one allocation per kernel instance, for good.
      const scratch = tfjsMalloc(PACKED_A_SCRATCH_BYTES);
      conv = (...args) => exports.conv4x8s(...args, scratch, PACKED_A_SCRATCH_BYTES);
    }
    const { winograd4Input, winograd4Filter, winograd4Output, packFilter } = exports;
    kernel = { flavour, tile, conv, winograd4Input, winograd4Filter, winograd4Output, packFilter };
    instances.set(`${flavour} ${tile}`, kernel);
  }
  return kernel;
}
