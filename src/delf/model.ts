/**
 * A loaded DELF v1 model: BatchNorm folded into the convs (float32, at load time) and uploaded to
 * tfjs once; PCA parameters kept in JS (only the first PCA_DIM projection rows are needed).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorMap } from "../model/model-directory";
import { delfCheckpointTensors, PCA_TENSORS, PCA_VARIANCES } from "../model/delf-tensors";
import { batchNormScale } from "./batch-norm";
import { FEATURE_DEPTH, PCA_DIM } from "./constants";
import type { PcaParameters } from "./descriptors";
import { DelfError } from "./errors";
import { allConvs, delfNetworkSpec, type ConvSpec, type NetworkSpec } from "./layers";
import { syntheticModelTensors } from "./synthetic";
import { runNetwork } from "./network";
import type { ConvEngine, ConvEngineName, FoldedConv } from "./conv-engine";
import { convKernel, type ConvKernelFlavour, type ConvKernelTile } from "./conv-engine/kernel";
import { TfjsConvEngine } from "./conv-engine/tfjs-engine";
import { WasmConvEngine, type WinogradVariant } from "./conv-engine/wasm-engine";

export interface DelfModel {
  trained: boolean;
  source: string;
  /** Number of tensors the model was built from (222 checkpoint + PCA). */
  tensorCount: number;
  spec: NetworkSpec;
  /** Runs the convs (weights folded and stored by the engine). */
  engine: ConvEngine;
  pca: PcaParameters;
  /** Bytes of tfjs filter buffers freed after warm-up (0 when kept; see filter-buffers.ts). */
  releasedFilterBytes: number;
  dispose(): void;
}

/** Where createDelfModel's time went (filled when the caller passes a report object). */
export interface ModelLoadReport {
  /** Folding BN and storing the weights in the engine (packing / Winograd transforms / tfjs upload). */
  packMs: number;
  /** The warm-up passes on a 64² input (XNNPACK operators; first calls of the wasm kernel; tier-up). */
  warmUpMs: number;
  /** How many warm-up passes ran. */
  warmUpPasses?: number;
}

export interface CreateModelOptions {
  /** Filled with the load's timings. */
  report?: ModelLoadReport;
  /**
   * "wasm" (default): the project's SIMD conv kernel, weights packed once; "tfjs": plain tfjs-wasm
   * (XNNPACK), the reference path for tests and benchmarks.
   */
  convEngine?: ConvEngineName;
  /** Kernel build for the "wasm" engine (default: relaxed SIMD when the runtime has it). */
  kernelFlavour?: ConvKernelFlavour;
  /** How the "wasm" engine runs stride-1 3×3s (default F(4×4)); other variants for benchmarks. */
  winograd?: WinogradVariant;
  /** Register tile for the "wasm" engine (default: bestConvKernelTile()); benchmarks compare tiles with it. */
  kernelTile?: ConvKernelTile;
  /**
   * Run the network once on a small input so every layer's XNNPACK operator exists, then free the
   * tfjs copies of the filters (≈ 36 MiB less wasm heap). Default true.
   */
  releaseFilterBuffers?: boolean;
  /** At most this many warm-up passes (default WARM_UP_MAX_PASSES; 1 = the single pass of earlier rounds). */
  warmUpPasses?: number;
  /**
   * Empty `tensors` once everything is folded and uploaded, before the warm-up: the caller's map is
   * then the last reference to the model directory's buffers (≈ 39 MB), which can be collected while
   * the warm-up grows the wasm heap to its final size. Default false (the map is left as given).
   */
  consumeTensors?: boolean;
}

/** Side of the warm-up input: big enough that no layer sees an empty map. */
const WARM_UP_SIDE = 64;
/**
 * Warm-up passes: V8 runs a fresh isolate's wasm in its baseline tier (Liftoff) until the optimised
 * (TurboFan) code, compiled in the background after a function got hot, arrives; a busy machine
 * delays it into the first request. So the warm-up repeats the 64² pass (≈ 20 ms warm) until a pass is
 * not 10 % faster than the one before (the code it runs has settled): at least 2 passes, at most this many.
 */
const WARM_UP_MAX_PASSES = 6;
/**
 * Deployed Workers do not advance performance.now() during synchronous work (a Spectre mitigation: timers
 * move only after I/O), so every pass measures 0 ms and the rule above cannot see tier-up. With a frozen
 * clock the warm-up runs this many passes: what the rule settled on in local workerd (2–6, mostly 3).
 */
const WARM_UP_FROZEN_CLOCK_PASSES = 3;

function tensor(tensors: TensorMap, name: string, shape?: number[]): Float32Array {
  const t = tensors.get(name);
  if (!t) throw new DelfError("invalid_model", `model has no tensor ${name}`);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== t.values.length || (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))))
    throw new DelfError("invalid_model", `tensor ${name} has shape [${t.shape.join(",")}]`);
  return t.values;
}

/** One conv's weights with its BatchNorm as a scale and folded bias (or its biases, for the attention logit conv). */
export function foldConv(tensors: TensorMap, spec: ConvSpec): FoldedConv {
  const shape = [spec.kernel, spec.kernel, spec.inChannels, spec.outChannels];
  const weights = tensor(tensors, `${spec.scope}/weights`, shape);
  if (!spec.batchNorm) return { spec, weights, scale: null, bias: tensor(tensors, `${spec.scope}/biases`, [spec.outChannels]) };
  const bn = (p: string) => tensor(tensors, `${spec.scope}/BatchNorm/${p}`, [spec.outChannels]);
  return { spec, weights, ...batchNormScale({
    gamma: bn("gamma"),
    beta: bn("beta"),
    movingMean: bn("moving_mean"),
    movingVariance: bn("moving_variance"),
  }) };
}

/**
 * Copies of the PCA parameters DELF uses. A separate function so that no view into the model
 * directory's buffers stays in createDelfModel's frame (see consumeTensors).
 */
function pcaParameters(tensors: TensorMap): PcaParameters {
  const projection = tensor(tensors, PCA_TENSORS[1].name, PCA_TENSORS[1].shape);
  const variances = tensors.has(PCA_VARIANCES.name) ? tensor(tensors, PCA_VARIANCES.name, PCA_VARIANCES.shape) : null;
  return {
    mean: tensor(tensors, PCA_TENSORS[0].name, PCA_TENSORS[0].shape).slice(),
    projection: projection.slice(0, PCA_DIM * FEATURE_DEPTH),
    inDim: FEATURE_DEPTH,
    outDim: PCA_DIM,
    variances: variances ? variances.slice(0, PCA_DIM) : null,
  };
}

/**
 * The conv engine over `tensors`. A separate function so that the fold closure (which holds the
 * TensorMap) lives in no scope the model keeps (see consumeTensors).
 */
function createEngine(tensors: TensorMap, convSpecs: ConvSpec[], options: CreateModelOptions): ConvEngine {
  const fold = (spec: ConvSpec) => foldConv(tensors, spec);
  return (options.convEngine ?? "wasm") === "wasm"
    ? new WasmConvEngine(convKernel(options.kernelFlavour, options.kernelTile), convSpecs, fold, { winograd: options.winograd })
    : new TfjsConvEngine(convSpecs, fold);
}

/**
 * The model's dispose(), made outside createDelfModel on purpose: a closure created there could share
 * its scope — which holds the TensorMap (the whole model directory, ≈ 39 MB of shards) — and keep it
 * alive for the model's lifetime (measured: +38.9 MiB of JS memory; test/node/memory).
 */
function modelDisposer(engine: ConvEngine): () => void {
  return () => engine.dispose();
}

/**
 * Folds and uploads a model from checkpoint-named tensors (a model directory's TensorMap).
 * The TensorMap is not retained; callers may drop it afterwards.
 */
export function createDelfModel(
  tensors: TensorMap,
  meta: { trained: boolean; source: string },
  options: CreateModelOptions = {},
): DelfModel {
  // PCA first: a missing tensor fails before anything is uploaded.
  const pca = pcaParameters(tensors);
  const spec = delfNetworkSpec();
  const convSpecs = allConvs(spec);
  const packStarted = performance.now();
  const engine = createEngine(tensors, convSpecs, options);
  if (options.report) options.report.packMs = performance.now() - packStarted;
  const tensorCount = delfCheckpointTensors().length + PCA_TENSORS.length + (pca.variances ? 1 : 0);
  if (options.consumeTensors) tensors.clear();
  const model: DelfModel = {
    trained: meta.trained, source: meta.source, tensorCount, spec, engine, pca, releasedFilterBytes: 0,
    dispose: modelDisposer(engine),
  };
  if (options.releaseFilterBuffers ?? true) {
    // Warm-up: every layer runs once (XNNPACK operators exist; the wasm kernel is called often
    // enough to be queued for the optimising tier before the first real pyramid).
    const warmUpStarted = performance.now();
    const input = tf.zeros([1, WARM_UP_SIDE, WARM_UP_SIDE, 3]) as tf.Tensor4D;
    const maxPasses = options.warmUpPasses ?? WARM_UP_MAX_PASSES;
    let passes = 0;
    for (let previous = Infinity; passes < maxPasses; ) {
      const started = performance.now();
      const out = runNetwork(model, input);
      tf.dispose([out.features, out.logits]);
      const ms = performance.now() - started;
      passes++;
      const frozenClock = ms === 0;
      if (frozenClock ? passes >= Math.min(maxPasses, WARM_UP_FROZEN_CLOCK_PASSES) : passes >= 2 && ms * 1.1 >= previous) break;
      previous = ms;
    }
    input.dispose();
    model.releasedFilterBytes = engine.afterWarmUp();
    if (options.report) {
      options.report.warmUpMs = performance.now() - warmUpStarted;
      options.report.warmUpPasses = passes;
    }
  }
  return model;
}

/** The deterministic synthetic model for `seed` (trained: false, source "synthetic:<seed>"). */
export function syntheticDelfModel(seed: number, options: CreateModelOptions = {}): DelfModel {
  const tensors: TensorMap = new Map(syntheticModelTensors(seed).map((t) => [t.name, { shape: t.shape, values: t.values }]));
  return createDelfModel(tensors, { trained: false, source: `synthetic:${seed}` }, options);
}
