/**
 * `bench -- extract [--size 256] [--scales tutorial|a,b,c] [--runs 5] [--weights synthetic:1|DIR]
 *  [--image PATH] [--json]`
 * Times DELF extraction per pyramid and per scale after one warm-up run (XNNPACK packs weights on
 * the first pass), and reports the MAC-derived GFLOP of the pyramid, the peak tfjs wasm heap and
 * the JS heap. medianCpuMs (process CPU time) is the steadier figure on a shared machine. The input is graf img1 fitted to size² (../shared) or, without it, a procedural
 * texture of the same size.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { startRuntime } from "../../src/runtime/start";
import { tfjsWasmHeapBytes } from "../../src/runtime/tfjs";
import { decodeImage } from "../../src/image/decode";
import { fitImage } from "../../src/image/fit";
import type { WasmModules } from "../../src/runtime/wasm-modules";
import { loadDelfModel } from "../../src/delf/load.node.js";
import { extractDelfFeatures, type ExtractReport } from "../../src/delf/extract";
import { levelMacs } from "../../src/delf/layers";
import { pyramidLevels } from "../../src/delf/pyramid";
import { TUTORIAL_SCALES } from "../../src/delf/constants";
import type { Pixels } from "../../src/types";
import { texture } from "../../test/shared/texture";

const MiB = 2 ** 20;
const GRAF = fileURLToPath(new URL("../../../shared/data/pairs/graf/img1.png", import.meta.url));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};


export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: "string", default: "256" },
      scales: { type: "string", default: "tutorial" },
      runs: { type: "string", default: "5" },
      weights: { type: "string", default: "synthetic:1" },
      image: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const size = Number(values.size);
  const runs = Number(values.runs);
  const scales = values.scales === "tutorial" ? [...TUTORIAL_SCALES] : values.scales!.split(",").map(Number);
  if (!Number.isInteger(size) || size < 16 || !Number.isInteger(runs) || runs < 1 || scales.some((s) => !(s > 0))) {
    process.stderr.write("usage: bench -- extract [--size N] [--scales tutorial|a,b,c] [--runs N] [--weights SPEC] [--image PATH] [--json]\n");
    return 2;
  }
  const modules = await loadNodeWasmModules();
  await startRuntime(modules);
  const imagePath = values.image ?? (existsSync(GRAF) ? GRAF : undefined);
  const input = imagePath ? await squareImage(imagePath, size, modules) : texture(size);
  const heapAfterInit = tfjsWasmHeapBytes();
  const model = await loadDelfModel(values.weights!);
  const heapAfterWeights = tfjsWasmHeapBytes();

  const totals: number[] = [];
  const cpuTotals: number[] = [];
  const perScale = new Map<number, number[]>();
  let jsHeap = process.memoryUsage().heapUsed;
  let firstRunMs = 0;
  let count = 0;
  for (let r = 0; r <= runs; r++) {
    const report: ExtractReport = { levels: [] };
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const features = await extractDelfFeatures(model, input, { scales }, report);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    jsHeap = Math.max(jsHeap, process.memoryUsage().heapUsed);
    count = features.count;
    if (r === 0) {
      firstRunMs = ms;
      continue;
    }
    totals.push(ms);
    cpuTotals.push((cpu.user + cpu.system) / 1000);
    for (const level of report.levels) perScale.set(level.scale, [...(perScale.get(level.scale) ?? []), level.ms]);
  }
  model.dispose();

  const macs = pyramidLevels(input.height, input.width, scales).reduce((n, l) => n + levelMacs(l.height, l.width), 0);
  const medianMs = median(totals);
  const result = {
    medianMs: Math.round(medianMs),
    perScaleMs: Object.fromEntries(scales.map((s) => [String(s), Math.round(median(perScale.get(Math.fround(s)) ?? [Number.NaN]))])),
    gflops: Number(((2 * macs) / 1e9).toFixed(3)),
    medianCpuMs: Math.round(median(cpuTotals)),
    gflopsPerSecond: Number(((2 * macs) / 1e9 / (medianMs / 1000)).toFixed(2)),
    peakWasmHeapMiB: Number((tfjsWasmHeapBytes() / MiB).toFixed(1)),
    jsHeapMiB: Number((jsHeap / MiB).toFixed(1)),
    wasmHeapAfterInitMiB: Number((heapAfterInit / MiB).toFixed(1)),
    wasmHeapAfterWeightsMiB: Number((heapAfterWeights / MiB).toFixed(1)),
    firstRunMs: Math.round(firstRunMs),
    runs,
    features: count,
    input: { width: input.width, height: input.height, image: imagePath ? "graf/img1.png" : "procedural texture" },
    weights: values.weights,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

/** Centre square crop resized to size² (the tutorial fit for 256; never upscales beyond the crop). */
async function squareImage(path: string, size: number, modules: WasmModules): Promise<Pixels> {
  const decoded = (await decodeImage(new Uint8Array(await readFile(path)), modules)).pixels;
  if (size === 256) return fitImage(decoded, 256).pixels;
  const side = Math.min(decoded.width, decoded.height);
  const crop = { x: Math.floor((decoded.width - side) / 2), y: Math.floor((decoded.height - side) / 2), width: side, height: side };
  const data = new Uint8Array(crop.width * crop.height * 3);
  for (let y = 0; y < crop.height; y++) {
    const from = 3 * ((crop.y + y) * decoded.width + crop.x);
    data.set(decoded.data.subarray(from, from + 3 * crop.width), 3 * y * crop.width);
  }
  return fitImage({ width: crop.width, height: crop.height, data }, { maxSide: size }).pixels;
}
