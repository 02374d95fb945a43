// The tfjs-wasm network against the plain-TS reference (test/node/delf/reference.ts), on tiny
// random inputs and weights, odd sizes included: catches padding, stride and ordering mistakes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { createDelfModel, type DelfModel } from "../../../src/delf/model";
import { runNetwork } from "../../../src/delf/network";
import { runConv, type UploadedConv } from "../../../src/delf/conv-engine/tfjs-engine";
import { syntheticModelTensors } from "../../../src/delf/synthetic";
import type { TensorMap } from "../../../src/model/model-directory";
import type { ConvSpec } from "../../../src/delf/layers";
import { conv, maxPool, referenceNetwork, samePads, type Map3 } from "./reference";
import { startNodeRuntime } from "./helpers";
import { FilterBlock } from "../../../src/delf/filter-buffers";
import { WasmConvEngine } from "../../../src/delf/conv-engine/wasm-engine";
import { CONV_KERNEL_TILES, convKernel, type ConvKernelFlavour, type ConvKernelTile } from "../../../src/delf/conv-engine/kernel";

/** Deterministic values in [-1, 1). */
function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 31 - 1;
  });
}

const toMap = (h: number, w: number, c: number, v: Float32Array): Map3 => ({ h, w, c, v: Float64Array.from(v) });

function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 0, worst = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst / Math.max(scale, 1e-12);
}

describe("tfjs layers vs plain-TS reference", () => {
  beforeAll(startNodeRuntime);

  const cases: Array<{ name: string; k: number; stride: 1 | 2; h: number; w: number; cin: number; cout: number }> = [
    { name: "conv1 7×7/2, odd×even", k: 7, stride: 2, h: 13, w: 10, cin: 3, cout: 5 },
    { name: "conv1 7×7/2, even×odd", k: 7, stride: 2, h: 8, w: 9, cin: 3, cout: 4 },
    { name: "3×3/2 strided, odd", k: 3, stride: 2, h: 7, w: 5, cin: 6, cout: 6 },
    { name: "3×3/2 strided, even", k: 3, stride: 2, h: 6, w: 4, cin: 6, cout: 6 },
    { name: "3×3/2 strided, 1×1 input", k: 3, stride: 2, h: 1, w: 1, cin: 4, cout: 4 },
    { name: "3×3/1 SAME, odd", k: 3, stride: 1, h: 5, w: 7, cin: 5, cout: 3 },
    { name: "1×1 as matMul", k: 1, stride: 1, h: 3, w: 5, cin: 8, cout: 7 },
    { name: "3×3/1 SAME, Winograd in the wasm engine (odd×odd)", k: 3, stride: 1, h: 7, w: 9, cin: 8, cout: 16 },
    { name: "3×3/1 SAME, Winograd, several chunks of tile rows", k: 3, stride: 1, h: 40, w: 6, cin: 1024, cout: 8 },
    { name: "3×3/1 SAME, Winograd, several blocks of output channels", k: 3, stride: 1, h: 10, w: 13, cin: 256, cout: 64 },
    { name: "3×3/1 SAME, one 4×4 tile: the direct kernel in the wasm engine", k: 3, stride: 1, h: 4, w: 3, cin: 8, cout: 8 },
    { name: "3×3/1 SAME, Winograd, a tile row wider than the scratch (buffers of its own)", k: 3, stride: 1, h: 5, w: 232, cin: 256, cout: 8 },
    { name: "1×1 with residual-free bias+ReLU, rows not a multiple of 6", k: 1, stride: 1, h: 5, w: 7, cin: 12, cout: 24 },
    { name: "1×1, several blocks of tiles and panel groups", k: 1, stride: 1, h: 9, w: 23, cin: 1024, cout: 56 },
    { name: "3×3/2 strided, deep (a packed-A block holds 5 tiles), several blocks", k: 3, stride: 2, h: 4, w: 47, cin: 256, cout: 8 },
  ];
  const engines: Array<{ engine: string; conv: (input: tf.Tensor4D, spec: ConvSpec, weights: Float32Array, bias: Float32Array) => tf.Tensor4D }> = [
    {
      engine: "tfjs",
      conv: (input, spec, weights, bias) => {
        const { kernel: k, inChannels: cin, outChannels: cout } = spec;
        const uploaded: UploadedConv = { spec, filter: tf.tensor(weights, k === 1 ? [cin, cout] : [k, k, cin, cout]), bias: tf.tensor1d(bias) };
        const y = runConv(input, uploaded, true);
        tf.dispose([uploaded.filter, uploaded.bias]);
        return y;
      },
    },
    ...(["simd128", "relaxed-simd"] as ConvKernelFlavour[]).flatMap((flavour) => CONV_KERNEL_TILES.map((tile: ConvKernelTile) => ({
      engine: `wasm ${flavour} ${tile}`,
      conv: (input: tf.Tensor4D, spec: ConvSpec, weights: Float32Array, bias: Float32Array) => {
        const engine = new WasmConvEngine(convKernel(flavour, tile), [spec], () => ({ spec, weights, scale: null, bias }));
        const y = engine.conv(input, spec.scope, true);
        engine.dispose();
        return y;
      },
    }))),
  ];
  it.each(engines.flatMap((e) => cases.map((c) => ({ ...c, ...e }))))("$engine: $name", ({ engine, k, stride, h, w, cin, cout, conv: runEngineConv }) => {
    const x = randomValues(h * w * cin, 11 + h * 31 + w);
    const weights = randomValues(k * k * cin * cout, 7 + k);
    const bias = randomValues(cout, 3);
    const spec: ConvSpec = { scope: "test", kernel: k, inChannels: cin, outChannels: cout, stride, batchNorm: true };
    const input = tf.tensor4d(x, [1, h, w, cin]);
    const y = runEngineConv(input, spec, weights, bias);
    const got = y.dataSync();
    const beg = Math.floor((k - 1) / 2);
    const pads = stride === 1
      ? (() => { const [t, b] = samePads(h, k, 1), [l, r] = samePads(w, k, 1); return { top: t, bottom: b, left: l, right: r }; })()
      : { top: beg, bottom: k - 1 - beg, left: beg, right: k - 1 - beg };
    const ref = conv(toMap(h, w, cin, x), weights, k, cout, stride, pads);
    expect(y.shape).toEqual([1, ref.h, ref.w, cout]);
    expect([ref.h, ref.w]).toEqual([Math.ceil(h / stride), Math.ceil(w / stride)]);
    const want = ref.v.map((v, i) => Math.max(v + bias[i % cout], 0));
    // Winograd F(4×4)'s transforms scale values by up to 10 (Bᵀ) and 8 (Aᵀ), so its rounding error is
    // ≈ 10× F(2×2)'s: 0.5–1.2e-5 of the largest output at 64–256 input channels, 1.3–2.0e-5 at 1024
    // (F(2×2): 0.4–1.4e-6). The network-level bound is test/node/delf/conv-engine.test.ts (same
    // keypoints, descriptor cosine ≥ 0.9999; measured 1 − cos < 1e-7).
    const winograd = engine.startsWith("wasm") && k === 3 && stride === 1 && cin % 4 === 0 && cout % 8 === 0;
    const bound = winograd ? 3e-5 : 1e-5;
    expect(maxRelativeError(got, want)).toBeLessThan(bound);
    tf.dispose([input, y]);
  });

  // The tiles differ only in register blocking and A packing: every output must be the same float.
  it.each((["simd128", "relaxed-simd"] as ConvKernelFlavour[]).flatMap((flavour) => cases.map((c) => ({ ...c, flavour }))))("every tile gives the same floats, $flavour: $name", ({ k, stride, h, w, cin, cout, flavour }) => {
    const spec: ConvSpec = { scope: "test", kernel: k, inChannels: cin, outChannels: cout, stride, batchNorm: true };
    const weights = randomValues(k * k * cin * cout, 7 + k), bias = randomValues(cout, 3);
    const input = tf.tensor4d(randomValues(h * w * cin, 11 + h * 31 + w), [1, h, w, cin]);
    const outputs = CONV_KERNEL_TILES.map((tile) => {
      const engine = new WasmConvEngine(convKernel(flavour, tile), [spec], () => ({ spec, weights, scale: null, bias }));
      const y = engine.conv(input, spec.scope, true);
      const values = Array.from(y.dataSync());
      tf.dispose(y);
      engine.dispose();
      return values;
    });
    for (const values of outputs.slice(1)) expect(values).toEqual(outputs[0]);
    input.dispose();
  });

  it.each([[7, 9], [8, 8], [1, 2], [5, 6]])("pool1 3×3/2 SAME and the 1×1/2 subsample on %i×%i", (h, w) => {
    const x = randomValues(h * w * 3, h * 100 + w);
    const input = tf.tensor4d(x, [1, h, w, 3]);
    const pooled = tf.maxPool(input, 3, 2, "same");
    const [t, b] = samePads(h, 3, 2), [l, r] = samePads(w, 3, 2);
    const ref = maxPool(toMap(h, w, 3, x), 3, 2, { top: t, bottom: b, left: l, right: r });
    expect(pooled.shape).toEqual([1, ref.h, ref.w, 3]);
    expect(Array.from(pooled.dataSync())).toEqual(Array.from(ref.v, Math.fround));
    const sub = tf.maxPool(input, 1, 2, "same");
    const refSub = maxPool(toMap(h, w, 3, x), 1, 2, { top: 0, bottom: 0, left: 0, right: 0 });
    expect(Array.from(sub.dataSync())).toEqual(Array.from(refSub.v, Math.fround));
    tf.dispose([input, pooled, sub]);
  });
});

describe("released filter buffers", () => {
  beforeAll(startNodeRuntime);
  it("cached operators keep working; a stale read of a released buffer would show as NaN", () => {
    const [cin, cout] = [6, 4];
    const spec: ConvSpec = { scope: "t", kernel: 3, inChannels: cin, outChannels: cout, stride: 1, batchNorm: true };
    const block = new FilterBlock([[3, 3, cin, cout]]);
    block.write(0, randomValues(9 * cin * cout, 5));
    const conv: UploadedConv = { spec, filter: block.tensors[0], bias: tf.tensor1d(randomValues(cout, 6)) };
    const x = tf.tensor4d(randomValues(5 * 7 * cin, 9), [1, 5, 7, cin]);
    const before = runConv(x, conv, true);
    expect(block.release()).toBe(9 * cin * cout * 4);
    expect(block.release()).toBe(0);
    const after = runConv(x, conv, true); // same operator, from the cache
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    const x2 = tf.tensor4d(randomValues(9 * 4 * cin, 10), [1, 9, 4, cin]); // other size: still cached
    expect(runConv(x2, conv, true).dataSync().some(Number.isNaN)).toBe(false);
    const fresh = runConv(x, conv, false); // another activation → a new operator packs the poisoned buffer
    expect(fresh.dataSync().some(Number.isNaN)).toBe(true);
    tf.dispose([x, x2, before, after, fresh, conv.bias]);
    block.dispose();
    expect(conv.filter.isDisposed).toBe(true);
  });
});

describe("whole network vs plain-TS reference (synthetic weights, unfolded BN in the reference)", () => {
  let model: DelfModel;
  let tensors: TensorMap;
  beforeAll(async () => {
    await startNodeRuntime();
    tensors = new Map(syntheticModelTensors(5).map((t) => [t.name, { shape: t.shape, values: t.values }]));
    model = createDelfModel(tensors, { trained: false, source: "synthetic:5" });
  });
  afterAll(() => model?.dispose());

  it.each([[37, 45], [64, 33]])("input %i×%i: block3 features and attention logits", (h, w) => {
    const x = randomValues(h * w * 3, h * 7 + w);
    const input = tf.tensor4d(x, [1, h, w, 3]);
    const out = runNetwork(model, input);
    input.dispose();
    const ref = referenceNetwork(toMap(h, w, 3, x), tensors);
    expect([out.height, out.width]).toEqual([ref.features.h, ref.features.w]);
    expect([out.height, out.width]).toEqual([Math.ceil(h / 32), Math.ceil(w / 32)]);
    expect(maxRelativeError(out.features.dataSync(), ref.features.v)).toBeLessThan(1e-4);
    expect(maxRelativeError(out.logits.dataSync(), ref.logits)).toBeLessThan(1e-4);
    tf.dispose([out.features, out.logits]);
  });

  it.each([[181, 150, 3], [97, 64, 2], [256, 40, 4], [64, 64, 8]])("%i×%i in %i stem bands equals the unbanded network", (h, w, bands) => {
    const input = tf.tensor4d(randomValues(h * w * 3, h + w), [1, h, w, 3]);
    const whole = runNetwork(model, input);
    const banded = runNetwork(model, input, bands);
    input.dispose();
    expect(banded.features.shape).toEqual(whole.features.shape);
    expect(maxRelativeError(banded.features.dataSync(), whole.features.dataSync())).toBeLessThan(1e-6);
    expect(maxRelativeError(banded.logits.dataSync(), whole.logits.dataSync())).toBeLessThan(1e-6);
    tf.dispose([whole.features, whole.logits, banded.features, banded.logits]);
  });
});
