/**
 * The "tfjs" conv engine: plain tfjs-wasm (XNNPACK) convs, the reference path. Filters live in
 * one FilterBlock whose tfjs copies are freed after the warm-up (XNNPACK keeps its packed copy
 * inside each cached operator; see filter-buffers.ts).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ConvSpec } from "../layers";
import { FilterBlock } from "../filter-buffers";
import { foldedFilter, stridedPadBefore, type ConvEngine, type FoldConv } from "./index";

/** One conv with folded weights on the tfjs backend. 1×1 convs are stored as [in, out] matrices. */
export interface UploadedConv {
  spec: ConvSpec;
  /** [k, k, in, out] for k > 1, [in, out] for 1×1 (run as a matMul). */
  filter: tf.Tensor;
  bias: tf.Tensor1D;
}

function stridedPads(kernel: number): [[0, 0], [number, number], [number, number], [0, 0]] {
  const before = stridedPadBefore(kernel);
  return [[0, 0], [before, kernel - 1 - before], [before, kernel - 1 - before], [0, 0]];
}

/** conv (BN folded) with optional ReLU; 1×1 convs run as a fused matMul over [H·W, C]. */
export function runConv(x: tf.Tensor4D, conv: UploadedConv, relu: boolean): tf.Tensor4D {
  const { kernel, stride, outChannels } = conv.spec;
  const activation = relu ? "relu" : "linear";
  if (kernel === 1) {
    if (stride !== 1) throw new Error("strided 1×1 convs do not occur in DELF v1");
    const [n, h, w, c] = x.shape;
    const flat = tf.reshape(x, [n * h * w, c]);
    const y = tf.fused.matMul({ a: flat as tf.Tensor2D, b: conv.filter as tf.Tensor2D, bias: conv.bias, activation });
    flat.dispose();
    const out = tf.reshape(y, [n, h, w, outChannels]) as tf.Tensor4D;
    y.dispose();
    return out;
  }
  return tf.fused.conv2d({
    x,
    filter: conv.filter as tf.Tensor4D,
    strides: stride,
    pad: stride === 1 ? "same" : stridedPads(kernel),
    bias: conv.bias,
    activation,
  });
}

/** Output values per matMul chunk of a unit's last 1×1 conv: 2^19 floats = 2 MiB (4 MiB chunks grow the heap). */
const CONV3_CHUNK_VALUES = 1 << 19;

/**
 * relu(conv(x) + shortcut) for a 1×1 conv, written into `shortcut`'s own wasm buffer: the matMul
 * runs on chunks of ≤ 2 MiB of output rows, each added into the shortcut as soon as it exists, so
 * the full-size conv output (8 MiB for block2 of a 512² level) is never allocated. Each output row
 * is computed by the same kernel with the same summation order whatever chunk it falls in, so the
 * result equals the unchunked conv (test/node/memory/outputs-unchanged.test.ts).
 */
export function conv1x1AddReluInto(x: tf.Tensor4D, conv: UploadedConv, shortcut: tf.Tensor4D): tf.Tensor4D {
  const backend = tf.backend() as unknown as {
    getMemoryOffset(dataId: object): number;
    wasm: { HEAPF32: Float32Array };
  };
  const [n, h, w, c] = x.shape;
  const rows = n * h * w;
  const out = conv.spec.outChannels;
  const step = Math.max(1, Math.floor(CONV3_CHUNK_VALUES / out));
  const flat = tf.reshape(x, [rows, c]) as tf.Tensor2D;
  for (let r0 = 0; r0 < rows; r0 += step) {
    const count = Math.min(step, rows - r0);
    const a = count === rows ? flat : tf.slice(flat, [r0, 0], [count, c]);
    const y = tf.fused.matMul({ a, b: conv.filter as tf.Tensor2D, bias: conv.bias, activation: "linear" });
    if (a !== flat) a.dispose();
    // The heap may have grown during the matMul: take fresh views after it.
    const heap = backend.wasm.HEAPF32;
    const ys = new Float32Array(heap.buffer, backend.getMemoryOffset(y.dataId), count * out);
    const t = new Float32Array(heap.buffer, backend.getMemoryOffset(shortcut.dataId) + 4 * r0 * out, count * out);
    for (let i = 0; i < ys.length; i++) {
      const v = ys[i] + t[i];
      t[i] = v > 0 ? v : 0;
    }
    y.dispose();
  }
  flat.dispose();
  return shortcut;
}

export class TfjsConvEngine implements ConvEngine {
  readonly name = "tfjs" as const;
  /** Uploaded convs by checkpoint scope. */
  readonly convs = new Map<string, UploadedConv>();
  private readonly filters: FilterBlock;

  constructor(specs: ConvSpec[], fold: FoldConv) {
    this.filters = new FilterBlock(specs.map((c) => (c.kernel === 1 ? [c.inChannels, c.outChannels] : [c.kernel, c.kernel, c.inChannels, c.outChannels])));
    try {
      specs.forEach((spec, i) => {
        const c = fold(spec);
        this.filters.write(i, foldedFilter(c));
        this.convs.set(spec.scope, { spec, filter: this.filters.tensors[i], bias: tf.tensor1d(c.bias, "float32") });
      });
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  conv(x: tf.Tensor4D, scope: string, relu: boolean): tf.Tensor4D {
    return runConv(x, this.get(scope), relu);
  }

  convAddRelu(x: tf.Tensor4D, scope: string, shortcut: tf.Tensor4D): tf.Tensor4D {
    const conv = this.get(scope);
    if (conv.spec.kernel !== 1) throw new Error("convAddRelu: only 1×1 convs end a unit in DELF v1");
    return conv1x1AddReluInto(x, conv, shortcut);
  }

  afterWarmUp(): number {
    return this.filters.release();
  }

  dispose(): void {
    for (const c of this.convs.values()) c.bias.dispose();
    this.convs.clear();
    this.filters.dispose();
  }

  private get(scope: string): UploadedConv {
    const conv = this.convs.get(scope);
    if (!conv) throw new Error(`no uploaded conv ${scope}`);
    return conv;
  }
}
