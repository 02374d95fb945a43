/**
 * A cold isolate's first answer over HTTP:
 *   npm run --silent bench -- cold [--runtime workerd|wrangler-dev] [--servers 5] [--isolates 1] [--requests 4] [--port 8795] [--busy] [--json]
 * The app (a snapshot of the sources, tmp/bench-cold-src) with the model served from Static Assets
 * (synthetic:1 written into its model-assets/model, as `export-weights` does). Per server: a fresh dev
 * server (a fresh workerd, so a cold isolate), one GET /openapi.json (brings the server and the isolate's
 * script up: no runtime, no model), then --requests POST /v1/features, one at a time, each an 800×640 PNG
 * not seen before (a different crop of one synthetic scene, so no cache hit), at the service's default
 * (tutorial) options. The first of them starts the runtime and loads the model (shards read and
 * verified, packed, warmed up) before it decodes and extracts.
 * --runtime:
 *   - workerd (default): wrangler's startWorker API with the inspector off: workerd, the bindings and
 *     the Static Assets as deployed, without the dev tooling's debugger.
 *   - wrangler-dev: the `wrangler dev` CLI, as `npm run dev`. Wrangler 4.86 (the last release for
 *     Node 20) attaches its inspector proxy with the Network domain on, and for every chunk the Worker
 *     reads (≈ 6–7k `Network.dataReceived` events while the model shards load) writes a debug-log line
 *     from its Node process: seconds of CPU on this 2-core machine, during the first requests
 *     (cloudflare/workers-sdk#14191; fixed in later releases, which need Node 22).
 * Per server: every latency (client side) and the service's own timings, the model's load time
 * (GET /v1/model), the first answer over the second (`firstOverNext`, the same seconds) and over the
 * median of the rest (`firstOverWarm`). This VM's vCPUs change speed for seconds at a time
 * (`bench -- host`): read the ratios over several servers.
 * A run in which the dev server reloads the Worker (503 "restarted mid-request", seen now and then with
 * wrangler-dev after a first request) is void and run again; the count is reported.
 * --isolates N (N > 1, runtime workerd): each server is one workerd process running N copies of the app,
 * each its own isolate with its own wasm bytes (isolates-server.ts), asked one after another. The first
 * is a cold isolate in a fresh process, as above; the others are cold isolates in a process that is
 * already running, as Cloudflare starts them. Reported apart: `freshProcess` and `runningProcess`.
 * A request with no answer in 2 minutes voids its server's run (`voidRunsServerHung`).
 * --busy keeps one vCPU busy meanwhile (the loop of `bench -- host` in a process of its own), the case
 * where optimised wasm code came late.
 */
import type { ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { parseArgs } from "node:util";
import { buildModelDirectory } from "../../src/model/model-directory";
import { writeModelDirectoryToDisk } from "../../src/model/model-directory.node.js";
import { syntheticModelTensors } from "../../src/delf/synthetic";
import { crop, scene, toRgba } from "../../test/shared/synthetic-images";
import { toPng } from "../../test/node/image/fixtures";
import { unstable_startWorker } from "wrangler";
import { spawnHostLoad } from "./host";
import { median } from "./median";
import { snapshotSources, startWranglerDev, stopWranglerDev, WRANGLER_ENV } from "./dev-server";
import { startIsolatesServer } from "./isolates-server";

const SNAPSHOT = "tmp/bench-cold-src";
const STATE = "tmp/bench-cold";
const BUNDLES = "tmp/bench-cold-bundles";
const WIDTH = 800;
const HEIGHT = 640;

const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

/** Sends a request to one cold isolate of a server: a path and its init. */
type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** wrangler dev sometimes reloads the Worker after the first heavy request (a new isolate): that run is void. */
class DevServerRestarted extends Error {}
/**
 * A request that gets no answer within REQUEST_TIMEOUT_MS (each takes seconds): the server is stopped and
 * the run is void. Seen with --isolates > 1, in 3 of 52 servers: workerd's main thread spun for minutes
 * in V8's message-loop pump (cppgc incremental sweep tasks, in gdb), making no system calls.
 */
class ServerHung extends Error {}
const REQUEST_TIMEOUT_MS = 120_000;
const MAX_VOID_RUNS = 5;

/** `send` with REQUEST_TIMEOUT_MS on the whole answer (headers and body). */
async function answered(send: Send, path: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ServerHung(`${path}: no answer in ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS)));
  try {
    return await Promise.race([send(path, init).then(async (res) => ({ status: res.status, text: await res.text() })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type Runtime = "workerd" | "wrangler-dev";

/** A fresh server: one send per isolate (in start order), and its stop function. */
interface Server {
  isolates: Send[];
  stop(): Promise<void>;
}

/** A fresh dev server on 127.0.0.1:port, or with --isolates > 1 one workerd with that many copies of the app. */
async function startServer(runtime: Runtime, port: number, isolates: number): Promise<Server> {
  const config = `${SNAPSHOT}/wrangler.toml`;
  const base = `http://127.0.0.1:${port}`;
  // wrangler's API in this process (startWorker, the Miniflare options) reads the same settings as its CLI.
  Object.assign(process.env, WRANGLER_ENV);
  const overHttp: Send = (path, init) => fetch(`${base}${path}`, init);
  if (isolates > 1) {
    const server = await startIsolatesServer(config, BUNDLES, STATE, isolates);
    return { isolates: server.names.map((name): Send => (path, init) => server.fetch(name, path, init)), stop: () => server.dispose() };
  }
  if (runtime === "wrangler-dev") {
    const dev = await startWranglerDev(config, port, STATE, `${STATE}-dev.log`);
    return { isolates: [overHttp], stop: () => stopWranglerDev(dev) };
  }
  const worker = await unstable_startWorker({
    config,
    dev: { inspector: false, server: { hostname: "127.0.0.1", port }, persist: STATE, watch: false, logLevel: "warn" },
  });
  await worker.ready;
  return { isolates: [overHttp], stop: () => worker.dispose() };
}

interface IsolateRun {
  /** GET /openapi.json on the fresh isolate: its script coming up (and, for a server's first, the server). */
  startMs: number;
  latencyMs: number[];
  /** The service's own timings of each request (decode, extract, total). */
  serverMs: Array<Record<string, number>>;
  modelLoadMs: number;
  numFeatures: number;
  firstOverNext: number;
  firstOverWarm: number;
}

async function oneIsolate(send: Send, images: Uint8Array[]): Promise<IsolateRun> {
  const t0 = performance.now();
  const openapi = await answered(send, "/openapi.json");
  if (openapi.status !== 200) throw new Error(`GET /openapi.json answered ${openapi.status}`);
  const startMs = Math.round(performance.now() - t0);
  const latencyMs: number[] = [], serverMs: Array<Record<string, number>> = [];
  let numFeatures = 0;
  for (const image of images) {
    const form = new FormData();
    form.append("image", new Blob([image as Uint8Array<ArrayBuffer>], { type: "image/png" }), "image.png");
    const t = performance.now();
    const { status, text } = await answered(send, "/v1/features", { method: "POST", body: form });
    if (status === 503 && text.includes("restarted mid-request")) throw new DevServerRestarted();
    if (status !== 200) throw new Error(`/v1/features answered ${status}: ${text.slice(0, 400)}`);
    const body = JSON.parse(text) as { numFeatures: number; cache: string; timingsMs: Record<string, number> };
    latencyMs.push(Math.round(performance.now() - t));
    if (body.cache !== "miss") throw new Error(`/v1/features: cache ${body.cache}, not a miss`);
    serverMs.push(Object.fromEntries(Object.entries(body.timingsMs).map(([k, v]) => [k, Math.round(v)])));
    numFeatures = body.numFeatures;
  }
  const model = JSON.parse((await answered(send, "/v1/model")).text) as { loadMs: number };
  return {
    startMs,
    latencyMs,
    serverMs,
    modelLoadMs: model.loadMs,
    numFeatures,
    firstOverNext: ratio(latencyMs[0], latencyMs[1]),
    firstOverWarm: ratio(latencyMs[0], median(latencyMs.slice(1))),
  };
}

/** One fresh server: its isolates one after another, each sent its own images. */
async function oneServer(runtime: Runtime, port: number, isolates: number, images: Uint8Array[][]): Promise<IsolateRun[]> {
  const server = await startServer(runtime, port, isolates);
  try {
    const runs: IsolateRun[] = [];
    for (const [i, send] of server.isolates.entries()) runs.push(await oneIsolate(send, images[i]));
    return runs;
  } finally {
    await server.stop();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { runtime: { type: "string", default: "workerd" }, servers: { type: "string", default: "5" }, isolates: { type: "string", default: "1" }, requests: { type: "string", default: "4" }, port: { type: "string", default: "8795" }, busy: { type: "boolean" }, json: { type: "boolean" } },
  });
  const servers = Number(values.servers), isolates = Number(values.isolates), requests = Number(values.requests);
  const runtime = values.runtime as Runtime;
  if (runtime !== "workerd" && runtime !== "wrangler-dev") throw new RangeError("--runtime is workerd or wrangler-dev");
  if (!(servers >= 1 && isolates >= 1 && requests >= 2)) throw new RangeError("--servers ≥ 1, --isolates ≥ 1 and --requests ≥ 2");
  if (isolates > 1 && runtime !== "workerd") throw new RangeError("--isolates > 1 runs workerd through Miniflare: not with --runtime wrangler-dev");
  const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

  await snapshotSources(SNAPSHOT, ["src", "build", "codecs", "migrations", "wrangler.toml", "package.json", "tsconfig.json"]);
  await writeModelDirectoryToDisk(`${SNAPSHOT}/model-assets/model`, await buildModelDirectory(syntheticModelTensors(1), { trained: false, source: "synthetic:1" }));
  // Every request of the run gets its own crop of one scene: no cache hit, the same work.
  const perServer = isolates * requests;
  const s = scene(WIDTH + 16 * servers * perServer, HEIGHT + 8, 11);
  const images: Uint8Array[][][] = [];
  for (let i = 0; i < servers; i++) {
    const server: Uint8Array[][] = [];
    for (let k = 0; k < isolates; k++) {
      const isolate: Uint8Array[] = [];
      for (let r = 0; r < requests; r++) isolate.push(await toPng(toRgba(crop(s, 16 * (i * perServer + k * requests + r), 4, WIDTH, HEIGHT))));
      server.push(isolate);
    }
    images.push(server);
  }
  let busy: ChildProcess | undefined;
  if (values.busy) busy = spawnHostLoad(3600);
  const runs: Array<IsolateRun & { server: number; isolate: number }> = [];
  let restarts = 0, hung = 0;
  try {
    for (let i = 0; i < servers; i++) {
      await rm(STATE, { recursive: true, force: true });
      const r = await oneServer(runtime, Number(values.port), isolates, images[i]).catch((error: unknown) => {
        if (error instanceof DevServerRestarted) restarts++;
        else if (error instanceof ServerHung) hung++;
        else throw error;
        if (restarts + hung > MAX_VOID_RUNS) throw error;
        log(`server ${i + 1}: ${error instanceof ServerHung ? error.message : "wrangler dev reloaded the Worker mid-run"}; void, run again`);
        return undefined;
      });
      if (!r) {
        i--;
        continue;
      }
      for (const [k, run] of r.entries()) {
        log(`server ${i + 1}${isolates > 1 ? ` isolate ${k + 1}` : ""}: start ${run.startMs} ms; ${run.latencyMs.join(" / ")} ms, model load ${run.modelLoadMs} ms, first/next ${run.firstOverNext}, first/warm ${run.firstOverWarm}`);
        runs.push({ server: i + 1, isolate: k + 1, ...run });
      }
    }
  } finally {
    busy?.kill();
  }
  const summary = (rs: IsolateRun[]) => ({
    firstOverNext: rs.map((r) => r.firstOverNext),
    firstOverWarm: rs.map((r) => r.firstOverWarm),
    medianFirstOverNext: Number(median(rs.map((r) => r.firstOverNext)).toFixed(2)),
    medianFirstOverWarm: Number(median(rs.map((r) => r.firstOverWarm)).toFixed(2)),
    firstOverWarmAtMost1_5: `${rs.filter((r) => r.firstOverWarm <= 1.5).length} of ${rs.length}`,
  });
  const result = {
    bench: "cold",
    date: new Date().toISOString(),
    runtime,
    image: `${WIDTH}×${HEIGHT} PNG, default options`,
    busy: Boolean(values.busy),
    voidRunsDevServerReloaded: restarts,
    voidRunsServerHung: hung,
    isolatesPerServer: isolates,
    ...summary(runs),
    // With --isolates > 1: each server's first isolate (a fresh process) apart from the later ones (a process already running).
    ...(isolates > 1 ? { freshProcess: summary(runs.filter((r) => r.isolate === 1)), runningProcess: summary(runs.filter((r) => r.isolate > 1)) } : {}),
    runs,
  };
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
