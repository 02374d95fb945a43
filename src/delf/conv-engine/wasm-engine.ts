/**
 * The "wasm" conv engine: every conv runs in the project's implicit-GEMM kernel (kernel.ts) over
 * tfjs tensors in place. All weights are packed ONCE at load into one tfjs-heap allocation, in the
 * layout the kernel reads (panels of 8 output channels: [tap][in][8]); it is the model's only copy
 * of the filters (no tfjs filter tensors, no XNNPACK operators). Bias, residual add and ReLU are
 * fused into the kernel's output write.
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

interface PackedConv {
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

/** Floats of a packed conv: weights (taps·in·paddedOut) then bias (paddedOut). */
const packedFloats = (c: ConvSpec) => {
  const p = roundUp(c.outChannels);
  return c.kernel * c.kernel * c.inChannels * p + p;
};

/** HWIO → panels [outChannels/8][tap][in][8], zero-filled past outChannels. */
export function packFilter(weights: Float32Array, taps: number, inC: number, outC: number, into: Float32Array): void {
  const panels = roundUp(outC) / PANEL;
  let at = 0;
  for (let p = 0; p < panels; p++)
    for (let t = 0; t < taps; t++)
      for (let c = 0; c < inC; c++) {
        const row = (t * inC + c) * outC;
        for (let j = 0; j < PANEL; j++) {
          const o = p * PANEL + j;
          into[at++] = o < outC ? weights[row + o] : 0;
        }
      }
}

export class WasmConvEngine implements ConvEngine {
  readonly name = "wasm" as const;
  /** Bytes of the one packed allocation (weights + biases + a zero row). */
  readonly packedBytes: number;
  private block: number;
  private readonly zeros: number;
  private readonly convs = new Map<string, PackedConv>();

  constructor(private readonly kernel: ConvKernel, specs: ConvSpec[], fold: FoldConv) {
    const maxIn = Math.max(...specs.map((c) => c.inChannels));
    const floats = specs.reduce((n, c) => n + packedFloats(c), 0) + maxIn;
    this.packedBytes = 4 * floats;
    const b = backend();
    this.block = b.wasm._malloc(this.packedBytes) >>> 0;
    if (this.block === 0) throw new Error(`could not allocate ${this.packedBytes} bytes for the packed filters`);
    // HEAPF32 is read after the malloc: the heap may have grown.
    const heap = b.wasm.HEAPF32;
    let at = this.block;
    for (const spec of specs) {
      let c;
      try {
        c = fold(spec);
      } catch (error) {
        this.dispose();
        throw error;
      }
      const { kernel, inChannels, outChannels, stride } = spec;
      const paddedOut = roundUp(outChannels);
      const weightFloats = kernel * kernel * inChannels * paddedOut;
      packFilter(c.weights, kernel * kernel, inChannels, outChannels, heap.subarray(at / 4, at / 4 + weightFloats));
      const bias = at + 4 * weightFloats;
      heap.fill(0, bias / 4, bias / 4 + paddedOut);
      heap.set(c.bias, bias / 4);
      this.convs.set(spec.scope, { kernel, stride, inChannels, outChannels, paddedOut, weights: at, bias });
      at = bias + 4 * paddedOut;
    }
    this.zeros = at;
    heap.fill(0, at / 4, at / 4 + maxIn);
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
}
