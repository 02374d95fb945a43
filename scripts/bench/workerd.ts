/**
 * `bench -- workerd [--runs 3] [--isolates 2] [--compare-tiles 4x8] [--engine wasm|tfjs] [--json]`
 * DELF extraction timed inside workerd (vitest-pool-workers: each of --isolates is a fresh workerd
 * process, hence a cold isolate) and in this Node process, with the same code
 * (scripts/bench/workerd/measure.ts): cold path in parts, then --runs warm pyramids alternating with
 * the plain tfjs baseline. Prints Node's and each isolate's figures and the workerd/Node ratio of
 * the warm medians. --compare-tiles also times the product built with each listed kernel tile in the
 * same loop (`nodeCompare`, `workerdCompare`: warm median and its ratio to the default tile).
 * `nodePairedSpeedup` / `workerdPairedSpeedups`: median of the per-pair ratios (runs in ABBA order).
 * Cold start per isolate: first pyramid over the warm median (`workerdColdOverWarm`) and over the pyramid
 * run right after it (`workerdColdOverNext`); `…ColdAnswer…` count every cold part before it too.
 * `workerdProbeColdOverEnd`: a fixed JS float loop timed just before the first pyramid over the same loop
 * after the warm runs (measure.ts, cpuProbe): above 1 when the whole vCPU was slow at the cold start.
 * --engine tfjs measures the model on the plain tfjs conv engine instead (the product before its wasm
 * engine): the same cold-start ratios for the path the cold-start figures of issue 12 were taken on.
 */
import { parseArgs } from "node:util";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { measureExtraction, type ExtractionMeasurement } from "./workerd/measure";
import { runInWorkerd } from "./workerd/run";
import type { ConvKernelTile } from "../../src/delf/conv-engine/kernel";
import type { ConvEngineName } from "../../src/delf/conv-engine";

const inWorkerd = (runs: number, compareTiles: ConvKernelTile[], engine: ConvEngineName) => runInWorkerd<ExtractionMeasurement>("extract", "WORKERD_BENCH", { runs, compareTiles, engine });

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: "string", default: "3" }, isolates: { type: "string", default: "2" }, "compare-tiles": { type: "string", default: "" }, engine: { type: "string", default: "wasm" }, json: { type: "boolean" } } });
  const runs = Number(values.runs), isolates = Number(values.isolates);
  const compareTiles = (values["compare-tiles"] ? values["compare-tiles"].split(",") : []) as ConvKernelTile[];
  const engine = values.engine as ConvEngineName;
  if (engine !== "wasm" && engine !== "tfjs") throw new RangeError("--engine is wasm or tfjs");
  if (engine === "tfjs" && compareTiles.length) throw new RangeError("--compare-tiles compares the wasm engine's tiles: not with --engine tfjs");
  const node = await measureExtraction(await loadNodeWasmModules(), runs, compareTiles, engine);
  const workerd: ExtractionMeasurement[] = [];
  for (let i = 0; i < isolates; i++) workerd.push(await inWorkerd(runs, compareTiles, engine));
  const workerdWarm = workerd.map((w) => w.warmMedianMs).sort((a, b) => a - b)[Math.floor((workerd.length - 1) / 2)];
  const result = {
    engine,
    nodeMedianMs: node.warmMedianMs,
    workerdMedianMs: workerdWarm,
    workerdOverNode: Number((workerdWarm / node.warmMedianMs).toFixed(2)),
    nodeSpeedup: node.speedup,
    workerdSpeedups: workerd.map((w) => w.speedup),
    nodePairedSpeedup: node.pairedSpeedup,
    workerdPairedSpeedups: workerd.map((w) => w.pairedSpeedup),
    workerdColdOverWarm: workerd.map((w) => w.coldOverWarm),
    workerdColdOverNext: workerd.map((w) => w.coldOverNext),
    workerdColdAnswerOverWarm: workerd.map((w) => w.coldAnswerOverWarm),
    workerdColdAnswerOverNext: workerd.map((w) => w.coldAnswerOverNext),
    // The CPU probe before the first pyramid over the one after the warm runs (a scalar loop: see measure.ts).
    workerdProbeColdOverEnd: workerd.map((w) => Number((w.probeMs.beforeFirst / w.probeMs.end).toFixed(2))),
    ...(compareTiles.length ? { tile: node.tile, workerdTile: workerd[0]?.tile, nodeCompare: node.compare, workerdCompare: workerd.map((w) => w.compare) } : {}),
    node,
    workerd,
  };
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
