/**
 * `bench -- extract [--size 256] [--scales tutorial|a,b,c] [--runs 5] [--weights synthetic:1|DIR]
 *  [--image PATH] [--engine wasm|tfjs] [--flavour relaxed-simd|simd128] [--winograd f4x4|none] [--baseline] [--level-trials N] [--json]`
 * With --baseline, runs alternate between the product's extractor and the plain tfjs-wasm network
 * of scripts/bench/plain-delf.ts (same weights, same input) and one JSON line compares them:
 * {medianMs, baselineMedianMs, speedup, gflopsPerSecond, perScaleMs, peakWasmHeapMiB, runs, …}.
 * peakWasmHeapMiB is the product's alone: measured before the baseline's weights are uploaded.
 * --level-trials N (with --baseline) adds a contention-robust figure: every level on its own, best of
 * N alternating trials each, summed over the pyramid (levelBestSpeedup; [product, baseline] per scale).
 * pairedSpeedup / pairedCpuSpeedup: median over the runs − 1 back-to-back pairs (ABBA order) of
 * baseline ÷ product; pairedSpeedups lists them.
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
import { extractDelfFeatures, extractDelfFeaturesWith, type ExtractReport } from "../../src/delf/extract";
import { createDelfModel, type DelfModel } from "../../src/delf/model";
import { parseSyntheticSpec, syntheticModelTensors } from "../../src/delf/synthetic";
import { loadModelDirectoryFromDisk } from "../../src/model/model-directory.node.js";
import type { TensorMap } from "../../src/model/model-directory";
import { bestConvKernelFlavour, type ConvKernelFlavour } from "../../src/delf/conv-engine/kernel";
import type { WinogradVariant } from "../../src/delf/conv-engine/wasm-engine";
import type { ConvEngineName } from "../../src/delf/conv-engine";
import { plainDelfNetwork } from "./plain-delf";
import { levelMacs } from "../../src/delf/layers";
import { pyramidLevels } from "../../src/delf/pyramid";
import { TUTORIAL_SCALES } from "../../src/delf/constants";
import type { Pixels } from "../../src/types";
import { texture } from "../../test/shared/texture";
import { median } from "./median";

const MiB = 2 ** 20;
const GRAF = fileURLToPath(new URL("../../../shared/data/pairs/graf/img1.png", import.meta.url));

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: "string", default: "256" },
      scales: { type: "string", default: "tutorial" },
      runs: { type: "string", default: "5" },
      weights: { type: "string", default: "synthetic:1" },
      image: { type: "string" },
      engine: { type: "string", default: "wasm" },
      flavour: { type: "string" },
      winograd: { type: "string" },
      baseline: { type: "boolean" },
      "level-trials": { type: "string", default: "0" },
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
  const engine = values.engine as ConvEngineName;
  const flavour = (values.flavour ?? bestConvKernelFlavour()) as ConvKernelFlavour;
  const model = createDelfModel(await tensorMap(values.weights!), { trained: false, source: values.weights! }, { convEngine: engine, kernelFlavour: flavour, winograd: values.winograd as WinogradVariant | undefined, consumeTensors: true });
  const heapAfterWeights = tfjsWasmHeapBytes();
  const macs = pyramidLevels(input.height, input.width, scales).reduce((n, l) => n + levelMacs(l.height, l.width), 0);
  const gflop = (2 * macs) / 1e9;

  const product = timer((report) => extractDelfFeatures(model, input, { scales }, report));
  let jsHeap = process.memoryUsage().heapUsed;
  // Warm-up (first run) then one timed run before the baseline exists: the product's own heap peak.
  const firstRunMs = await product.run(false);
  await product.run(true);
  const peakWasmHeap = tfjsWasmHeapBytes();
  let baseline: ReturnType<typeof timer> | null = null;
  let plain: ReturnType<typeof plainDelfNetwork> | null = null;
  if (values.baseline) {
    plain = plainDelfNetwork(await tensorMap(values.weights!));
    const network = plain.run;
    baseline = timer((report) => extractDelfFeaturesWith(network, model, input, { scales }, report));
    await baseline.run(false);
  }
  // Alternate, so that machine load drifts hit both alike. The loop's pairs go in ABBA order (baseline
  // first in odd pairs, product first in even ones): each pair's ratio is one sample of pairedSpeedup.
  for (let r = 1; r < runs; r++) {
    if (baseline && r % 2 === 1) await baseline.run(true);
    await product.run(true);
    if (baseline && r % 2 === 0) await baseline.run(true);
    jsHeap = Math.max(jsHeap, process.memoryUsage().heapUsed);
  }
  if (baseline) await baseline.run(true);
  // Contention-robust figure (a shared machine): each level alone, product and baseline alternating,
  // best of --level-trials each; their sums estimate the pyramid without other processes' bursts.
  const levelTrials = Number(values["level-trials"]);
  let levelBest: { productMs: number; baselineMs: number; perScale: Record<string, [number, number]> } | null = null;
  if (baseline && plain && levelTrials > 0) {
    const perScale: Record<string, [number, number]> = {};
    for (const scale of scales) {
      let a = Infinity, b = Infinity;
      for (let r = 0; r < levelTrials; r++) {
        let t = performance.now();
        await extractDelfFeatures(model, input, { scales: [scale] });
        a = Math.min(a, performance.now() - t);
        t = performance.now();
        await extractDelfFeaturesWith(plain.run, model, input, { scales: [scale] });
        b = Math.min(b, performance.now() - t);
      }
      perScale[String(scale)] = [Math.round(a), Math.round(b)];
    }
    const sum = (i: 0 | 1) => Object.values(perScale).reduce((n, v) => n + v[i], 0);
    levelBest = { productMs: sum(0), baselineMs: sum(1), perScale };
  }
  model.dispose();
  plain?.dispose();

  const medianMs = median(product.totals);
  const perScaleMs = (t: ReturnType<typeof timer>) =>
    Object.fromEntries(scales.map((s) => [String(s), Math.round(median(t.perScale.get(Math.fround(s)) ?? [Number.NaN]))]));
  const common = {
    perScaleMs: perScaleMs(product),
    gflops: Number(gflop.toFixed(3)),
    gflopsPerSecond: Number((gflop / (medianMs / 1000)).toFixed(2)),
    peakWasmHeapMiB: Number((peakWasmHeap / MiB).toFixed(1)),
    runs,
  };
  const details = {
    engine: engine === "wasm" ? `wasm (${flavour}, winograd ${values.winograd ?? "f4x4"})` : "tfjs",
    medianCpuMs: Math.round(median(product.cpuTotals)),
    jsHeapMiB: Number((jsHeap / MiB).toFixed(1)),
    wasmHeapAfterInitMiB: Number((heapAfterInit / MiB).toFixed(1)),
    wasmHeapAfterWeightsMiB: Number((heapAfterWeights / MiB).toFixed(1)),
    firstRunMs: Math.round(firstRunMs),
    features: product.count,
    input: { width: input.width, height: input.height, image: imagePath ? "graf/img1.png" : "procedural texture" },
    weights: values.weights,
  };
  const result = baseline
    ? {
        medianMs: Math.round(medianMs),
        baselineMedianMs: Math.round(median(baseline.totals)),
        speedup: Number((median(baseline.totals) / medianMs).toFixed(2)),
        ...common,
        bestMs: Math.round(Math.min(...product.totals)),
        baselineBestMs: Math.round(Math.min(...baseline.totals)),
        bestSpeedup: Number((Math.min(...baseline.totals) / Math.min(...product.totals)).toFixed(2)),
        ...(levelBest
          ? { levelBestSumMs: levelBest.productMs, baselineLevelBestSumMs: levelBest.baselineMs, levelBestSpeedup: Number((levelBest.baselineMs / levelBest.productMs).toFixed(2)), levelBestMs: levelBest.perScale }
          : {}),
        baselineGflopsPerSecond: Number((gflop / (median(baseline.totals) / 1000)).toFixed(2)),
        baselinePerScaleMs: perScaleMs(baseline),
        cpuSpeedup: Number((median(baseline.cpuTotals) / median(product.cpuTotals)).toFixed(2)),
        ...pairedRatios(product, baseline),
        baselineMedianCpuMs: Math.round(median(baseline.cpuTotals)),
        baselineFeatures: baseline.count,
        ...details,
      }
    : { medianMs: Math.round(medianMs), ...common, ...details };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

/**
 * Same-run ratios of paired runs (baseline ÷ product of the two runs made next to each other in
 * ABBA order): their median is robust to load bursts that hit one whole run, which a ratio of two medians
 * is not when samples spread 30–40 %.
 */
function pairedRatios(product: ReturnType<typeof timer>, baseline: ReturnType<typeof timer>) {
  // Pair r of the loop: product run r (run 0 came before the baseline existed), baseline run r − 1.
  const pairs = (a: number[], b: number[]) => a.slice(1).map((x, i) => b[i] / x);
  const wall = pairs(product.totals, baseline.totals), cpu = pairs(product.cpuTotals, baseline.cpuTotals);
  if (wall.length === 0) return {};
  return {
    pairedSpeedup: Number(median(wall).toFixed(2)),
    pairedCpuSpeedup: Number(median(cpu).toFixed(2)),
    pairedSpeedups: wall.map((x) => Number(x.toFixed(2))),
  };
}

/** Wall and CPU time of each timed run of `extract`, per pyramid and per scale. */
function timer(extract: (report: ExtractReport) => Promise<{ count: number }>) {
  const t = {
    totals: [] as number[],
    cpuTotals: [] as number[],
    perScale: new Map<number, number[]>(),
    count: 0,
    async run(timed: boolean): Promise<number> {
      const report: ExtractReport = { levels: [] };
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      t.count = (await extract(report)).count;
      const ms = performance.now() - started;
      const cpu = process.cpuUsage(cpuStarted);
      if (timed) {
        t.totals.push(ms);
        t.cpuTotals.push((cpu.user + cpu.system) / 1000);
        for (const level of report.levels) t.perScale.set(level.scale, [...(t.perScale.get(level.scale) ?? []), level.ms]);
      }
      return ms;
    },
  };
  return t;
}

/** The checkpoint-named tensors of `--weights` (synthetic:SEED or a model directory). */
async function tensorMap(weights: string): Promise<TensorMap> {
  const seed = parseSyntheticSpec(weights);
  if (seed !== null) return new Map(syntheticModelTensors(seed).map((t) => [t.name, { shape: t.shape, values: t.values }]));
  return (await loadModelDirectoryFromDisk(weights)).tensors;
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
