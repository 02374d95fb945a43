/**
 * One extraction measurement, the same code in Node and inside workerd (bench -- workerd): the cold
 * path in parts, then warm pyramids alternating with the plain tfjs baseline (scripts/bench/plain-delf.ts).
 * Cold parts: runtime start (tfjs-wasm + kernels), read + verify the model directory (sha-256 of
 * every shard, names, shapes — from memory: the directory export-weights writes, built in memory
 * here so Node and workerd read the same bytes without I/O), pack (BN fold + packing + Winograd
 * transforms), warm-up (64² passes until tier-up settles: warmUpPasses), first pyramid, and a second
 * pyramid right after it. Then pairs of warm runs (baseline and product back to back, ABBA order):
 * speedup = ratio of the medians, pairedSpeedup = median of the pairs' ratios. Input: the 256²
 * procedural texture, tutorial scales.
 * Cold start is reported against the warm median (seconds later) and against the second pyramid (the
 * same seconds): this VM's vCPUs change speed for seconds at a time (`bench -- host`), so the first
 * ratio also measures the host; the second measures what being first costs.
 */
import type { WasmModules } from "../../../src/runtime/wasm-modules";
import { startRuntime } from "../../../src/runtime/start";
import { buildModelDirectory, loadModelDirectory } from "../../../src/model/model-directory";
import { requiredModelTensors } from "../../../src/model/delf-tensors";
import { syntheticModelTensors } from "../../../src/delf/synthetic";
import { createDelfModel, type ModelLoadReport } from "../../../src/delf/model";
import type { ConvEngineName } from "../../../src/delf/conv-engine";
import { extractDelfFeatures, extractDelfFeaturesWith, type ExtractReport } from "../../../src/delf/extract";
import { bestConvKernelFlavour, bestConvKernelTile, type ConvKernelTile } from "../../../src/delf/conv-engine/kernel";
import { TUTORIAL_SCALES } from "../../../src/delf/constants";
import { texture } from "../../../test/shared/texture";
import { plainDelfNetwork } from "../plain-delf";
import { median } from "../median";

export interface ExtractionMeasurement {
  flavour: string | null;
  cold: { runtimeStartMs: number; readVerifyMs: number; packMs: number; warmUpMs: number; warmUpPasses: number; firstPyramidMs: number; secondPyramidMs: number };
  /** Per scale: [first pyramid, median of the warm runs] ms (where a cold isolate's first answer loses its time). */
  levelsMs: Record<string, [number, number]>;
  warmMs: number[];
  baselineMs: number[];
  warmMedianMs: number;
  baselineMedianMs: number;
  speedup: number;
  /** Median over the runs of baselineMs[r] / warmMs[r] (each pair back to back, ABBA order). */
  pairedSpeedup: number;
  /** firstPyramidMs / warmMedianMs. */
  coldOverWarm: number;
  /** firstPyramidMs / secondPyramidMs (the second runs right after the first). */
  coldOverNext: number;
  /** A cold isolate's first answer (every cold part + the first pyramid) / warmMedianMs, and / secondPyramidMs. */
  coldAnswerOverWarm: number;
  coldAnswerOverNext: number;
  features: number;
  /** The product's default tile, and warm medians of the product built with each --compare-tiles tile (same loop, alternating). */
  tile: string;
  compare?: Record<string, { warmMs: number[]; warmMedianMs: number; overDefault: number }>;
  /**
   * cpuProbe(): a fixed JS float loop (no memory, no wasm), ms, timed before the first pyramid, after it,
   * after the second, and after the warm runs. A slow probe means the whole vCPU was slow. A steady probe
   * beside a slow pyramid does not clear the host: the ≈ 1.6× phases seen here slow optimised SIMD code
   * and not this scalar loop (docs/BENCHMARKS.md, "Cold start, session 6").
   */
  probeMs: { beforeFirst: number; afterFirst: number; afterSecond: number; end: number };
}

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * The median of 5 passes of a fixed, dependent float loop (≈ 25 ms each: workerd's clock has 1 ms
 * steps): this vCPU's speed right now. Called once first, unmeasured, so that the loop is optimised.
 */
function cpuProbe(): number {
  const passes: number[] = [];
  let sink = 0;
  for (let p = 0; p < 5; p++) {
    const started = performance.now();
    let x = 1;
    for (let i = 0; i < 10_000_000; i++) x = x * 1.0000001 + 1e-9;
    sink += x;
    passes.push(performance.now() - started);
  }
  if (!Number.isFinite(sink)) throw new Error("cpuProbe: the loop overflowed");
  return round(median(passes));
}

/**
 * `engine` is the conv engine of the measured model: the product's "wasm" (default), or "tfjs" to time
 * the cold path as it was before the wasm engine (its `speedup` is then ≈ 0.9: the baseline runs the same
 * XNNPACK convs without the tfjs engine's memory savings, docs/BENCHMARKS.md "Cold start, session 9").
 */
export async function measureExtraction(modules: WasmModules, runs: number, compareTiles: ConvKernelTile[] = [], engine: ConvEngineName = "wasm"): Promise<ExtractionMeasurement> {
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - t;
    t = now;
    return round(ms);
  };
  await startRuntime(modules);
  const runtimeStartMs = lap();
  cpuProbe(); // optimises the probe's loop, outside every timed part
  lap();
  const files = await buildModelDirectory(syntheticModelTensors(1), { trained: false, source: "synthetic:1" });
  lap();
  const loaded = await loadModelDirectory(async (p) => files.get(p)!, requiredModelTensors());
  const readVerifyMs = lap();
  files.clear();
  const report: ModelLoadReport = { packMs: 0, warmUpMs: 0 };
  const model = createDelfModel(loaded.tensors, loaded.manifest, { consumeTensors: true, report, convEngine: engine });
  lap();
  const pixels = texture(256);
  const options = { scales: [...TUTORIAL_SCALES] };
  const firstLevels: ExtractReport = { levels: [] };
  const probeBeforeFirst = cpuProbe();
  lap();
  const features = await extractDelfFeatures(model, pixels, options, firstLevels);
  const firstPyramidMs = lap();
  const probeAfterFirst = cpuProbe();
  lap();
  await extractDelfFeatures(model, pixels, options);
  const secondPyramidMs = lap();
  const probeAfterSecond = cpuProbe();
  const warmLevels = new Map<number, number[]>();

  const plain = plainDelfNetwork(new Map(syntheticModelTensors(1).map((x) => [x.name, { shape: x.shape, values: x.values }])));
  await extractDelfFeaturesWith(plain.run, model, pixels, options); // the baseline's warm-up
  const others = compareTiles.map((tile) => ({
    tile,
    model: createDelfModel(new Map(syntheticModelTensors(1).map((x) => [x.name, { shape: x.shape, values: x.values }])), loaded.manifest, { kernelTile: tile }),
    warmMs: [] as number[],
  }));
  for (const o of others) await extractDelfFeatures(o.model, pixels, options); // warm-up
  const warmMs: number[] = [], baselineMs: number[] = [];
  // Pairs in ABBA order (baseline first in even runs, product first in odd ones).
  for (let r = 0; r < runs; r++) {
    lap();
    for (const which of r % 2 === 0 ? ["baseline", "product"] : ["product", "baseline"]) {
      if (which === "baseline") {
        await extractDelfFeaturesWith(plain.run, model, pixels, options);
        baselineMs.push(lap());
      } else {
        const levels: ExtractReport = { levels: [] };
        await extractDelfFeatures(model, pixels, options, levels);
        warmMs.push(lap());
        for (const l of levels.levels) warmLevels.set(l.scale, [...(warmLevels.get(l.scale) ?? []), l.ms]);
      }
    }
    for (const o of others) {
      await extractDelfFeatures(o.model, pixels, options);
      o.warmMs.push(lap());
    }
  }
  const probeEnd = cpuProbe();
  plain.dispose();
  model.dispose();
  others.forEach((o) => o.model.dispose());
  const warmMedianMs = median(warmMs), baselineMedianMs = median(baselineMs);
  const cold = { runtimeStartMs, readVerifyMs, packMs: round(report.packMs), warmUpMs: round(report.warmUpMs), warmUpPasses: report.warmUpPasses ?? 1, firstPyramidMs, secondPyramidMs };
  const coldAnswerMs = runtimeStartMs + readVerifyMs + cold.packMs + cold.warmUpMs + firstPyramidMs;
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  return {
    flavour: model.engine.name === "wasm" ? bestConvKernelFlavour() : "tfjs",
    cold,
    warmMs,
    baselineMs,
    warmMedianMs,
    baselineMedianMs,
    speedup: Number((baselineMedianMs / warmMedianMs).toFixed(2)),
    pairedSpeedup: Number(median(warmMs.map((x, r) => baselineMs[r] / x)).toFixed(2)),
    coldOverWarm: ratio(firstPyramidMs, warmMedianMs),
    coldOverNext: ratio(firstPyramidMs, secondPyramidMs),
    coldAnswerOverWarm: ratio(coldAnswerMs, warmMedianMs),
    coldAnswerOverNext: ratio(coldAnswerMs, secondPyramidMs),
    levelsMs: Object.fromEntries(firstLevels.levels.map((l) => [String(Number(l.scale.toFixed(4))), [Math.round(l.ms), Math.round(median(warmLevels.get(l.scale) ?? [Number.NaN]))]])),
    features: features.count,
    probeMs: { beforeFirst: probeBeforeFirst, afterFirst: probeAfterFirst, afterSecond: probeAfterSecond, end: probeEnd },
    tile: bestConvKernelTile(),
    ...(others.length ? {
      compare: Object.fromEntries(others.map((o) => [o.tile, { warmMs: o.warmMs, warmMedianMs: median(o.warmMs), overDefault: Number((median(o.warmMs) / warmMedianMs).toFixed(2)) }])),
    } : {}),
  };
}
