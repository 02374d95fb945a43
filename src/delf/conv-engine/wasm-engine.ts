/**
 * The "wasm" conv engine: every conv runs in the project's implicit-GEMM kernel (kernel.ts) over
 * tfjs tensors in place. All weights are packed ONCE at load into one tfjs-heap allocation, in the
 * layout the kernel reads (panels of 8 output channels: [tap][in][8]); it is the model's only copy
 * of the filters (no tfjs filter tensors, no XNNPACK operators). Bias, residual add and ReLU are
 * fused into the kernel's output write.
 * Stride-1 3×3 convs run as Winograd F(4×4, 3×3) (assembly/conv/winograd4.ts): the engine keeps
 * their raw filters (packed like any other conv) and transforms them per call, one block of output
 * channels at a time into a small scratch (storing all of U = G g Gᵀ would be 36/9 of the filters,
 * ≈ +38 MB). Maps of few tiles run the direct 3×3 kernel instead (the transform would not pay).
 * (F(2×2, 3×3) with its filters stored transformed, 16/9, ran until round 3; deleted in round 4,
 * docs/BENCHMARKS.md.)
 * Relies on @tensorflow/tfjs-backend-wasm 4.22.0 internals (pinned): `makeOutput`, `getMemoryOffset`,
 * `wasm._malloc/_free`, `wasm.HEAPF32`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { samePads, stridedPadBefore, type ConvEngine, type FoldConv } from "./index";
import type { ConvSpec } from "../layers";
import type { ConvKernel } from "./kernel";

interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: "float32", memoryOffset?: number): tf.TensorInfo;
  getMemoryOffset(dataId: object): number;
  wasm: { HEAPF32: Float32Array; _malloc(bytes: number): number; _free(ptr: number): void };
}

const backend = () => tf.backend() as unknown as WasmBackendInternals;

/** Output channels are computed in panels of 8. */
const PANEL = 8;
const roundUp = (n: number) => Math.ceil(n / PANEL) * PANEL;

/** How stride-1 3×3 convs run: Winograd F(4×4) (default) or the direct kernel. */
export type WinogradVariant = "f4x4" | "none";

export interface WasmConvEngineOptions {
  winograd?: WinogradVariant;
  /** F(4×4): bytes of one block of transformed filters (36·in·block floats). */
  filterBlockBytes?: number;
  /** F(4×4): maps with fewer 4×4 tiles than this run the direct 3×3 kernel. */
  minTiles?: number;
  /** Bytes of each of the V and M scratch buffers. */
  chunkBytes?: number;
}

interface PackedConv {
  winograd: WinogradVariant;
  kernel: number;
  stride: number;
  inChannels: number;
  outChannels: number;
  /** outChannels rounded up to the panel width (extra channels have zero weights). */
  paddedOut: number;
  /** Byte offsets in the tfjs heap. */
  weights: number;
  bias: number;
}

/** The Winograd variant of a conv: stride-1 3×3 with channels in whole SIMD lanes / panels. */
const winogradOf = (c: ConvSpec, variant: WinogradVariant): WinogradVariant =>
  c.kernel === 3 && c.stride === 1 && c.inChannels % 4 === 0 && c.outChannels % PANEL === 0 ? variant : "none";

/** Weight floats of a packed conv: taps·in·paddedOut. */
const weightFloats = (c: ConvSpec) => c.kernel * c.kernel * c.inChannels * roundUp(c.outChannels);

/**
 * Floats of each of the two Winograd scratch buffers (V and M) the engine owns for good: 2 MiB.
 * Owned rather than allocated per conv: per-call buffers fragmented the tfjs heap enough to grow it
 * one more step (+15.7 MiB) in a tutorial match (docs/BENCHMARKS.md).
 */
const WINOGRAD_CHUNK_FLOATS = 1 << 19;
/** Default F(4×4) filter block: 1.25 MiB (32 output channels at 256 in, 64 at 128; U stays in L2): 5–17 % faster per 3×3 than 0.5 or 2.5 MiB (measured). */
const FILTER_BLOCK_BYTES = 1.25 * (1 << 20);
/** Default: maps under this many 4×4 tiles run the direct kernel (measured, docs/BENCHMARKS.md). */
const MIN_TILES = 4;
/** Floats of the transforms' scratch (winograd4.ts: 640 bytes). */
const TMP_FLOATS = 160;

/** Bytes between the 36 matrices of an F(4×4) buffer: ≥ `bytes`, ≡ 64 mod 4096 (see winograd4.ts). */
const planeStride = (bytes: number) => Math.ceil(bytes / 4096) * 4096 + 64;

/**
 * Packs one HWIO filter at `into` (a tfjs-heap address) with the kernel's packFilter: panels
 * [outChannels/8][tap][in][8], zero past outChannels, each weight times its output channel's `scale`
 * (BatchNorm folded while packing: the same float32 product as scaleOutputChannels, without a folded
 * copy). The raw weights and the scale are first copied to `stage` (taps·in·out + out floats of
 * tfjs heap), where the kernel can read them.
 */
export function packFilter(kernel: ConvKernel, weights: Float32Array, scale: Float32Array | null, taps: number, inC: number, outC: number, into: number, stage: number): void {
  const heap = backend().wasm.HEAPF32;
  heap.set(weights, stage / 4);
  const scaleAt = stage + 4 * weights.length;
  if (scale) heap.set(scale, scaleAt / 4);
  kernel.packFilter(stage, scale ? scaleAt : 0, taps, inC, outC, into);
}

export class WasmConvEngine implements ConvEngine {
  readonly name = "wasm" as const;
  /** Bytes of the one packed allocation (weights + biases + a zero row + the scratch). */
  readonly packedBytes: number;
  private block: number;
  private readonly zeros: number;
  /** Winograd V and M buffers (WINOGRAD_CHUNK_FLOATS each), inside the packed block. */
  private readonly scratchV: number;
  private readonly scratchM: number;
  /** F(4×4): one block of transformed filters, and the transforms' small scratch. */
  private readonly scratchU: number;
  private readonly scratchTmp: number;
  private readonly filterBlockFloats: number;
  private readonly minTiles: number;
  private readonly chunkFloats: number;
  private readonly convs = new Map<string, PackedConv>();

  constructor(private readonly kernel: ConvKernel, specs: ConvSpec[], fold: FoldConv, options: WasmConvEngineOptions = {}) {
    const variant = options.winograd ?? "f4x4";
    this.minTiles = options.minTiles ?? MIN_TILES;
    this.chunkFloats = Math.floor((options.chunkBytes ?? 4 * WINOGRAD_CHUNK_FLOATS) / 4);
    const maxIn = Math.max(...specs.map((c) => Math.max(c.inChannels, roundUp(c.outChannels))));
    const variants = specs.map((c) => winogradOf(c, variant));
    // A block holds at least one panel of 8 output channels.
    const maxWinogradIn = Math.max(0, ...specs.filter((_, i) => variants[i] === "f4x4").map((c) => c.inChannels));
    this.filterBlockFloats = maxWinogradIn ? Math.max(9 * planeStride(4 * maxWinogradIn * PANEL), Math.floor((options.filterBlockBytes ?? FILTER_BLOCK_BYTES) / 4)) : 0;
    const winogradScratch = variants.some((v) => v !== "none") ? 2 * this.chunkFloats + this.filterBlockFloats + TMP_FLOATS : 0;
    // The scratch also stages each raw filter while it is packed (packFilter).
    const stageFloats = Math.max(...specs.map((c) => c.kernel * c.kernel * c.inChannels * c.outChannels + c.outChannels));
    const packedFloats = specs.reduce((n, c) => n + weightFloats(c) + roundUp(c.outChannels), 0);
    this.packedBytes = 4 * (packedFloats + maxIn + Math.max(winogradScratch, stageFloats));
    const b = backend();
    this.block = b.wasm._malloc(this.packedBytes) >>> 0;
    if (this.block === 0) throw new Error(`could not allocate ${this.packedBytes} bytes for the packed filters`);
    // HEAPF32 is read after the malloc: the heap may have grown.
    const heap = b.wasm.HEAPF32;
    this.zeros = this.block + 4 * packedFloats;
    this.scratchV = this.zeros + 4 * maxIn;
    this.scratchM = this.scratchV + 4 * this.chunkFloats;
    this.scratchU = this.scratchM + 4 * this.chunkFloats;
    this.scratchTmp = this.scratchU + 4 * this.filterBlockFloats;
    let at = this.block;
    for (const [i, spec] of specs.entries()) {
      let c;
      try {
        c = fold(spec);
      } catch (error) {
        this.dispose();
        throw error;
      }
      const { kernel, inChannels, outChannels, stride } = spec;
      const paddedOut = roundUp(outChannels);
      const floats = weightFloats(spec);
      packFilter(this.kernel, c.weights, c.scale, kernel * kernel, inChannels, outChannels, at, this.scratchV);
      const bias = at + 4 * floats;
      heap.fill(0, bias / 4, bias / 4 + paddedOut);
      heap.set(c.bias, bias / 4);
      this.convs.set(spec.scope, { winograd: variants[i], kernel, stride, inChannels, outChannels, paddedOut, weights: at, bias });
      at = bias + 4 * paddedOut;
    }
    heap.fill(0, this.zeros / 4, this.zeros / 4 + maxIn);
  }

  conv(x: tf.Tensor4D, scope: string, relu: boolean): tf.Tensor4D {
    return this.run(x, scope, relu, null);
  }

  convAddRelu(x: tf.Tensor4D, scope: string, shortcut: tf.Tensor4D): tf.Tensor4D {
    return this.run(x, scope, true, shortcut);
  }

  afterWarmUp(): number {
    return 0;
  }

  dispose(): void {
    if (this.block !== 0) backend().wasm._free(this.block);
    this.block = 0;
    this.convs.clear();
  }

  private run(x: tf.Tensor4D, scope: string, relu: boolean, residual: tf.Tensor4D | null): tf.Tensor4D {
    const c = this.convs.get(scope);
    if (!c || this.block === 0) throw new Error(`no packed conv ${scope}`);
    const [n, h, w, inC] = x.shape;
    if (n !== 1 || inC !== c.inChannels) throw new Error(`conv ${scope}: input [${x.shape.join(",")}] does not fit`);
    const { kernel: k, stride } = c;
    const outH = Math.ceil(h / stride), outW = Math.ceil(w / stride);
    const padTop = stride === 1 ? samePads(h, k, 1)[0] : stridedPadBefore(k);
    const padLeft = stride === 1 ? samePads(w, k, 1)[0] : stridedPadBefore(k);
    if (residual && (c.paddedOut !== c.outChannels || residual.size !== outH * outW * c.outChannels))
      throw new Error(`conv ${scope}: residual shape [${residual.shape.join(",")}] does not fit`);
    if (c.winograd === "f4x4" && !residual && Math.ceil(h / 4) * Math.ceil(w / 4) >= this.minTiles) return this.runWinograd4(x, c, relu);
    const b = backend();
    const out = residual ?? (tf.engine().makeTensorFromTensorInfo(b.makeOutput([1, outH, outW, c.paddedOut], "float32")) as tf.Tensor4D);
    const inPtr = b.getMemoryOffset(x.dataId), outPtr = b.getMemoryOffset(out.dataId);
    // A 1×1 conv is one GEMM over all cells: run it as a single row so tiles never break at row ends.
    const [iH, iW, oH, oW] = k === 1 && stride === 1 ? [1, h * w, 1, h * w] : [h, w, outH, outW];
    this.kernel.conv(inPtr, iH, iW, inC, c.weights, k, k, stride, padTop, padLeft, oH, oW, c.paddedOut, c.bias, residual ? outPtr : 0, outPtr, relu ? 1 : 0, this.zeros);
    if (c.paddedOut === c.outChannels) return out;
    const sliced = tf.slice(out, [0, 0, 0, 0], [1, outH, outW, c.outChannels]);
    out.dispose();
    return sliced;
  }

  /**
   * Winograd F(4×4, 3×3): per chunk of tile rows whose V fits the scratch, the input transform once,
   * then per block of output channels: its filter transform (once per call when one block holds all
   * channels), 36 GEMMs into M and the output transform.
   */
  private runWinograd4(x: tf.Tensor4D, c: PackedConv, relu: boolean): tf.Tensor4D {
    const [, h, w, inC] = x.shape;
    const outC = c.outChannels;
    const tilesW = Math.ceil(w / 4), tilesH = Math.ceil(h / 4);
    const uBytes = (count: number) => planeStride(4 * inC * count);
    let block = Math.min(outC, Math.max(PANEL, Math.floor(this.filterBlockFloats / (36 * inC * PANEL)) * PANEL));
    while (block > PANEL && 36 * uBytes(block) > 4 * this.filterBlockFloats) block -= PANEL;
    // V and M of `rows` tile rows, with their plane strides.
    const vBytes = (rows: number) => planeStride(4 * rows * tilesW * inC);
    const mBytes = (rows: number) => planeStride(4 * rows * tilesW * block);
    const fits = (rows: number) => 36 * Math.max(vBytes(rows), mBytes(rows)) <= 4 * this.chunkFloats;
    let rowsPerChunk = Math.min(tilesH, Math.floor(this.chunkFloats / (36 * tilesW * Math.max(inC, block))));
    while (rowsPerChunk > 0 && !fits(rowsPerChunk)) rowsPerChunk--;
    const b = backend();
    const out = tf.engine().makeTensorFromTensorInfo(b.makeOutput([1, h, w, outC], "float32")) as tf.Tensor4D;
    // A tile row too wide for the scratch (maps over ~900 cells wide) gets buffers of its own.
    const own = rowsPerChunk === 0
      ? [0, 1].map(() => tf.engine().makeTensorFromTensorInfo(b.makeOutput([9 * Math.max(vBytes(1), mBytes(1))], "float32")))
      : null;
    if (own) rowsPerChunk = 1;
    const vPtr = own ? b.getMemoryOffset(own[0].dataId) : this.scratchV;
    const mPtr = own ? b.getMemoryOffset(own[1].dataId) : this.scratchM;
    const inPtr = b.getMemoryOffset(x.dataId), outPtr = b.getMemoryOffset(out.dataId);
    const { scratchU: uPtr, scratchTmp: tmp, kernel } = this;
    const whole = block === outC;
    if (whole) kernel.winograd4Filter(c.weights, inC, 0, outC / PANEL, uPtr, uBytes(outC), tmp);
    for (let ty0 = 0; ty0 < tilesH; ty0 += rowsPerChunk) {
      const ty1 = Math.min(tilesH, ty0 + rowsPerChunk);
      const tiles = (ty1 - ty0) * tilesW;
      const vPlane = vBytes(ty1 - ty0);
      kernel.winograd4Input(inPtr, h, w, inC, ty0, ty1, vPtr, vPlane, tmp);
      for (let o0 = 0; o0 < outC; o0 += block) {
        const count = Math.min(block, outC - o0);
        const uPlane = uBytes(count), mPlane = planeStride(4 * tiles * count);
        if (!whole) kernel.winograd4Filter(c.weights, inC, o0 / PANEL, count / PANEL, uPtr, uPlane, tmp);
        for (let xi = 0; xi < 36; xi++)
          kernel.conv(vPtr + xi * vPlane, 1, tiles, inC, uPtr + xi * uPlane, 1, 1, 1, 0, 0, 1, tiles, count, this.zeros, 0, mPtr + xi * mPlane, 0, this.zeros);
        kernel.winograd4Output(mPtr, count, mPlane, h, w, outC, o0, ty0, ty1, c.bias, relu ? 1 : 0, outPtr, tmp);
      }
    }
    if (own) tf.dispose(own);
    return out;
  }
}
