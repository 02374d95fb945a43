/**
 * `bench -- workerd [--runs 3] [--isolates 2] [--json]`
 * DELF extraction timed inside workerd (vitest-pool-workers: each of --isolates is a fresh workerd
 * process, hence a cold isolate) and in this Node process, with the same code
 * (scripts/bench/workerd/measure.ts): cold path in parts, then --runs warm pyramids alternating with
 * the plain tfjs baseline. Prints Node's and each isolate's figures and the workerd/Node ratio of
 * the warm medians.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { measureExtraction, type ExtractionMeasurement } from "./workerd/measure";

function inWorkerd(runs: number): Promise<ExtractionMeasurement> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["vitest", "run", "--config", "scripts/bench/workerd/vitest.config.ts"], {
      env: { ...process.env, BENCH_CONFIG: JSON.stringify({ runs }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.includes("WORKERD_BENCH "));
      if (code !== 0 || !line) return reject(new Error(`workerd bench exited with ${code}:\n${out.slice(-3000)}`));
      resolve(JSON.parse(line.slice(line.indexOf("WORKERD_BENCH ") + 14)) as ExtractionMeasurement);
    });
  });
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: "string", default: "3" }, isolates: { type: "string", default: "2" }, json: { type: "boolean" } } });
  const runs = Number(values.runs), isolates = Number(values.isolates);
  const node = await measureExtraction(await loadNodeWasmModules(), runs);
  const workerd: ExtractionMeasurement[] = [];
  for (let i = 0; i < isolates; i++) workerd.push(await inWorkerd(runs));
  const workerdWarm = workerd.map((w) => w.warmMedianMs).sort((a, b) => a - b)[Math.floor((workerd.length - 1) / 2)];
  const result = {
    nodeMedianMs: node.warmMedianMs,
    workerdMedianMs: workerdWarm,
    workerdOverNode: Number((workerdWarm / node.warmMedianMs).toFixed(2)),
    nodeSpeedup: node.speedup,
    workerdSpeedups: workerd.map((w) => w.speedup),
    workerdColdOverWarm: workerd.map((w) => w.coldOverWarm),
    node,
    workerd,
  };
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
