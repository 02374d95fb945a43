/**
 * `bench -- host [--seconds 30] [--cpus 0,1] [--json]`
 * How steady this machine's CPU speed is: a fixed scalar loop (≈ 30 ms a chunk at full speed; no wasm,
 * no allocation, tiered up before timing) runs for --seconds on each listed vCPU at once (one pinned
 * process each, `taskset`), and each second's median chunk time is reported against the fastest second.
 * `--cpus 0` then `--cpus 0,1`: cpu 0's median alone, and with the same loop on cpu 1 at the same time
 * (how much one vCPU's work slows the other; it depends on the work: docs/BENCHMARKS.md).
 * Any timing compared with another taken seconds later on this VM carries this drift: read the
 * cold/warm ratios of `bench -- workerd` and `bench -- cold` with it in mind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const CELLS = 4096;
const ROUNDS = 6000;

function chunk(cells: Float64Array): number {
  let sum = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < CELLS; i++) {
      sum += cells[i] * 1.0001;
      cells[i] = cells[i] * 0.9999 + 1e-4;
    }
  }
  return sum;
}

/** Median chunk ms of each whole second, for `seconds` seconds. */
function timeSeconds(seconds: number): number[] {
  const cells = new Float64Array(CELLS).map((_, i) => i * 1e-3);
  for (let i = 0; i < 5; i++) chunk(cells); // tier up before timing
  const perSecond: number[][] = [];
  const start = performance.now();
  let sink = 0;
  for (let now = start; now - start < seconds * 1000; now = performance.now()) {
    sink += chunk(cells);
    const s = Math.floor((now - start) / 1000);
    (perSecond[s] ??= []).push(performance.now() - now);
  }
  if (sink === -1) throw new Error("unreachable: keeps the loop alive");
  return perSecond.map((xs) => xs.sort((a, b) => a - b)[xs.length >> 1]);
}

interface CpuReport {
  cpu: string;
  fastestMs: number;
  medianMs: number;
  /** Each second's median chunk time over the fastest second's, in order. */
  slowdownPerSecond: number[];
  /** Share of seconds at ≥ 1.3× the fastest; the longest run of such seconds. */
  slowShare: number;
  longestSlowSeconds: number;
}

function report(cpu: string, perSecond: number[]): CpuReport {
  const fastestMs = Math.min(...perSecond);
  const slowdown = perSecond.map((ms) => Number((ms / fastestMs).toFixed(2)));
  let longest = 0;
  let run = 0;
  for (const x of slowdown) {
    run = x >= 1.3 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  const sorted = [...perSecond].sort((a, b) => a - b);
  return {
    cpu,
    fastestMs: Number(fastestMs.toFixed(1)),
    medianMs: Number(sorted[sorted.length >> 1].toFixed(1)),
    slowdownPerSecond: slowdown,
    slowShare: Number((slowdown.filter((x) => x >= 1.3).length / slowdown.length).toFixed(2)),
    longestSlowSeconds: longest,
  };
}

/** This file run as the loop's child process for `seconds` (see the end of the file). */
const childCommand = (seconds: number) => [process.execPath, "--import", "tsx", fileURLToPath(import.meta.url), "--child", String(seconds)];

/** The loop of this bench in a process of its own for `seconds` (unpinned): load for other benches. */
export function spawnHostLoad(seconds: number): ChildProcess {
  const [command, ...args] = childCommand(seconds);
  return spawn(command, args, { stdio: "ignore" });
}

function pinned(cpu: string, seconds: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("taskset", ["-c", cpu, ...childCommand(seconds)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`probe on cpu ${cpu} exited ${code}`))));
  });
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { seconds: { type: "string", default: "30" }, cpus: { type: "string", default: "" }, json: { type: "boolean" } } });
  const seconds = Number(values.seconds);
  if (!(seconds >= 2 && seconds <= 600)) throw new RangeError("--seconds must be in [2, 600]");
  const cpus = values.cpus ? values.cpus.split(",") : [];
  const reports = cpus.length
    ? (await Promise.all(cpus.map((cpu) => pinned(cpu, seconds)))).map((perSecond, i) => report(cpus[i], perSecond))
    : [report("any", timeSeconds(seconds))];
  const result = { bench: "host", date: new Date().toISOString(), seconds, chunk: `${CELLS}×${ROUNDS} multiply-adds`, cpus: reports };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else
    for (const r of reports)
      process.stdout.write(`cpu ${r.cpu}: median second ${r.medianMs}, fastest ${r.fastestMs} ms/chunk; ${Math.round(r.slowShare * 100)} % of seconds ≥ 1.3× slower, longest ${r.longestSlowSeconds} s\n  ${r.slowdownPerSecond.join(" ")}\n`);
  return 0;
}

// The pinned child: `host.ts --child SECONDS` prints its per-second medians.
if (process.argv[2] === "--child") process.stdout.write(JSON.stringify(timeSeconds(Number(process.argv[3]))));
