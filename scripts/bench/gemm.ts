/**
 * `bench -- gemm [--reps 5] [--flavour relaxed-simd|simd128] [--tile 4x8|6x8] [--json]`
 * The conv kernel's GEMM (a 1×1 conv, bias + ReLU fused) against tfjs-wasm's fused matMul
 * (XNNPACK) on DELF's real 1×1 shapes (M = cells of a level, K = in, N = out), and the stride-1 3×3s
 * against tf.fused.conv2d, once per engine variant (Winograd F(4×4) — the product —, F(2×2), direct
 * kernel). Best of `reps` CPU times per row, alternating with tfjs.
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { startRuntime } from "../../src/runtime/start";
import { bestConvKernelFlavour, bestConvKernelTile, convKernel, type ConvKernelFlavour, type ConvKernelTile } from "../../src/delf/conv-engine/kernel";
import { WasmConvEngine, type WinogradVariant } from "../../src/delf/conv-engine/wasm-engine";
import type { ConvSpec } from "../../src/delf/layers";

const SHAPES: Array<{ name: string; side: number; k: number; cin: number; cout: number }> = [
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

const cpuMs = (f: () => void) => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { reps: { type: "string", default: "5" }, flavour: { type: "string" }, tile: { type: "string" }, json: { type: "boolean" } } });
  await startRuntime(await loadNodeWasmModules());
  const flavour = (values.flavour ?? bestConvKernelFlavour()) as ConvKernelFlavour;
  const tile = (values.tile ?? bestConvKernelTile()) as ConvKernelTile;
  const reps = Number(values.reps);
  const rows = [];
  for (const s of SHAPES) for (const winograd of (s.k === 3 ? ["f4x4", "f2x2", "none"] : ["f4x4"]) as WinogradVariant[]) {
    const spec: ConvSpec = { scope: "bench", kernel: s.k, inChannels: s.cin, outChannels: s.cout, stride: 1, batchNorm: true };
    const weights = Float32Array.from({ length: s.k * s.k * s.cin * s.cout }, (_, i) => Math.sin(i) * 0.05);
    const bias = Float32Array.from({ length: s.cout }, (_, i) => Math.cos(i) * 0.1);
    const engine = new WasmConvEngine(convKernel(flavour, tile), [spec], () => ({ spec, weights, bias }), { winograd, minTiles: 1 });
    const filter = s.k === 1 ? tf.tensor2d(weights, [s.cin, s.cout]) : tf.tensor4d(weights, [3, 3, s.cin, s.cout]);
    const biasT = tf.tensor1d(bias);
    const x = tf.randomUniform([1, s.side, s.side, s.cin], -1, 1) as tf.Tensor4D;
    const flat = tf.reshape(x, [s.side * s.side, s.cin]) as tf.Tensor2D;
    const ours = () => engine.conv(x, "bench", true).dispose();
    const theirs = s.k === 1
      ? () => tf.fused.matMul({ a: flat, b: filter as tf.Tensor2D, bias: biasT, activation: "relu" }).dispose()
      : () => tf.fused.conv2d({ x, filter: filter as tf.Tensor4D, strides: 1, pad: "same", bias: biasT, activation: "relu" }).dispose();
    ours();
    theirs();
    let a = Infinity, b = Infinity;
    for (let r = 0; r < reps; r++) {
      a = Math.min(a, cpuMs(ours));
      b = Math.min(b, cpuMs(theirs));
    }
    const gflop = (2 * s.side * s.side * s.k * s.k * s.cin * s.cout) / 1e9;
    rows.push({ shape: s.name, ...(s.k === 3 ? { winograd } : {}), M: s.side * s.side, K: s.k * s.k * s.cin, N: s.cout, oursMs: Number(a.toFixed(2)), tfjsMs: Number(b.toFixed(2)), oursGflops: Number((gflop / a * 1000).toFixed(1)), tfjsGflops: Number((gflop / b * 1000).toFixed(1)), speedup: Number((b / a).toFixed(2)) });
    tf.dispose([filter, biasT, x, flat]);
    engine.dispose();
  }
  const out = { flavour, tile, reps, rows };
  process.stdout.write(values.json ? `${JSON.stringify(out)}\n` : `${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
