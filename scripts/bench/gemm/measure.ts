/**
 * The conv kernel's GEMM timed per shape, the same code in Node and inside workerd (`bench -- gemm`,
 * `bench -- gemm --workerd`): every requested tile (and tfjs-wasm's XNNPACK fused matMul / conv2d)
 * on DELF's real layer shapes, alternating within each repetition, best of `reps`.
 * Clock: wall time, read after an awaited timer tick (inside workerd `performance.now()` only
 * advances between events), around `inner` back-to-back calls sized to ≈ 40 ms so the tick's own
 * cost stays small; the same clock in Node, so the two runtimes are comparable.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmModules } from "../../../src/runtime/wasm-modules";
import { startRuntime } from "../../../src/runtime/start";
import { bestConvKernelFlavour, convKernel, type ConvKernelFlavour, type ConvKernelTile } from "../../../src/delf/conv-engine/kernel";
import { WasmConvEngine, type WinogradVariant } from "../../../src/delf/conv-engine/wasm-engine";
import type { ConvSpec } from "../../../src/delf/layers";

export const GEMM_SHAPES: Array<{ name: string; side: number; k: number; cin: number; cout: number }> = [
  { name: "block1 conv1 @512² level", side: 128, k: 1, cin: 256, cout: 64 },
  { name: "block1 conv3 @512² level", side: 128, k: 1, cin: 64, cout: 256 },
  { name: "block2 conv1 @512² level", side: 64, k: 1, cin: 512, cout: 128 },
  { name: "block3 conv1 @512² level", side: 32, k: 1, cin: 1024, cout: 256 },
  { name: "block3 conv3 @512² level", side: 32, k: 1, cin: 256, cout: 1024 },
  { name: "attention1 @256² level", side: 8, k: 1, cin: 1024, cout: 512 },
  { name: "block2 3×3 @512² level", side: 64, k: 3, cin: 128, cout: 128 },
  { name: "block3 3×3 @512² level", side: 32, k: 3, cin: 256, cout: 256 },
  { name: "block1 3×3 @512² level", side: 128, k: 3, cin: 64, cout: 64 },
  { name: "block3 3×3 @256² level", side: 16, k: 3, cin: 256, cout: 256 },
  { name: "block3 3×3 @128² level", side: 8, k: 3, cin: 256, cout: 256 },
  { name: "block3 3×3 @64² level", side: 4, k: 3, cin: 256, cout: 256 },
];

/** Stride-1 3×3s run once per engine variant: Winograd F(4×4) (the product), direct. */
const WINOGRAD_VARIANTS: WinogradVariant[] = ["f4x4", "none"];

export interface GemmOptions {
  reps: number;
  /** Default: the best this runtime has. */
  flavour?: ConvKernelFlavour;
  tiles: ConvKernelTile[];
}

export interface GemmRow {
  shape: string;
  /** Stride-1 3×3 rows only: the engine's Winograd variant. */
  winograd?: WinogradVariant;
  M: number;
  K: number;
  N: number;
  /** Best ms per call, per tile. */
  ms: Record<string, number>;
  gflops: Record<string, number>;
  tfjsMs: number;
  tfjsGflops: number;
}

const tick = () => new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), 0));

async function time(f: () => void, inner: number): Promise<number> {
  const t0 = await tick();
  for (let i = 0; i < inner; i++) f();
  return ((await tick()) - t0) / inner;
}

export async function measureGemm(modules: WasmModules, options: GemmOptions): Promise<{ flavour: string; tiles: string[]; reps: number; rows: GemmRow[] }> {
  await startRuntime(modules);
  const flavour = options.flavour ?? bestConvKernelFlavour()!;
  const rows: GemmRow[] = [];
  for (const s of GEMM_SHAPES) for (const winograd of s.k === 3 ? WINOGRAD_VARIANTS : [undefined]) {
    const spec: ConvSpec = { scope: "bench", kernel: s.k, inChannels: s.cin, outChannels: s.cout, stride: 1, batchNorm: true };
    const weights = Float32Array.from({ length: s.k * s.k * s.cin * s.cout }, (_, i) => Math.sin(i) * 0.05);
    const bias = Float32Array.from({ length: s.cout }, (_, i) => Math.cos(i) * 0.1);
    const engines = options.tiles.map((tile) => new WasmConvEngine(convKernel(flavour, tile), [spec], () => ({ spec, weights, scale: null, bias }), { winograd, minTiles: 1 }));
    const filter = s.k === 1 ? tf.tensor2d(weights, [s.cin, s.cout]) : tf.tensor4d(weights, [3, 3, s.cin, s.cout]);
    const biasT = tf.tensor1d(bias);
    const x = tf.randomUniform([1, s.side, s.side, s.cin], -1, 1) as tf.Tensor4D;
    const flat = tf.reshape(x, [s.side * s.side, s.cin]) as tf.Tensor2D;
    const calls = engines.map((engine) => () => engine.conv(x, "bench", true).dispose());
    const theirs = s.k === 1
      ? () => tf.fused.matMul({ a: flat, b: filter as tf.Tensor2D, bias: biasT, activation: "relu" }).dispose()
      : () => tf.fused.conv2d({ x, filter: filter as tf.Tensor4D, strides: 1, pad: "same", bias: biasT, activation: "relu" }).dispose();
    // Warm-up (tier-up), then size `inner` from the first tile's time.
    for (let i = 0; i < 3; i++) [...calls, theirs].forEach((f) => f());
    const once = await time(calls[0], 3);
    const inner = Math.max(1, Math.round(40 / Math.max(once, 0.05)));
    const best = calls.map(() => Infinity);
    let bestTheirs = Infinity;
    for (let r = 0; r < options.reps; r++) {
      for (let t = 0; t < calls.length; t++) best[t] = Math.min(best[t], await time(calls[t], inner));
      bestTheirs = Math.min(bestTheirs, await time(theirs, inner));
    }
    const gflop = (2 * s.side * s.side * s.k * s.k * s.cin * s.cout) / 1e9;
    const r2 = (v: number) => Number(v.toFixed(2));
    const r1 = (v: number) => Number(v.toFixed(1));
    rows.push({
      shape: s.name, ...(winograd ? { winograd } : {}), M: s.side * s.side, K: s.k * s.k * s.cin, N: s.cout,
      ms: Object.fromEntries(options.tiles.map((tile, t) => [tile, r2(best[t])])),
      gflops: Object.fromEntries(options.tiles.map((tile, t) => [tile, r1((gflop / best[t]) * 1000)])),
      tfjsMs: r2(bestTheirs),
      tfjsGflops: r1((gflop / bestTheirs) * 1000),
    });
    tf.dispose([filter, biasT, x, flat]);
    engines.forEach((e) => e.dispose());
  }
  return { flavour, tiles: options.tiles, reps: options.reps, rows };
}
