/**
 * A cold isolate's first answer over HTTP:
 *   npm run --silent bench -- cold [--runtime workerd|wrangler-dev] [--servers 5] [--requests 4] [--port 8795] [--busy] [--json]
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

const SNAPSHOT = "tmp/bench-cold-src";
const STATE = "tmp/bench-cold";
const WIDTH = 800;
const HEIGHT = 640;

const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

/** wrangler dev sometimes reloads the Worker after the first heavy request (a new isolate): that run is void. */
class DevServerRestarted extends Error {}
const MAX_RESTARTS = 5;

type Runtime = "workerd" | "wrangler-dev";

/** A fresh dev server on 127.0.0.1:port; resolves to its stop function. */
async function startServer(runtime: Runtime, port: number): Promise<() => Promise<void>> {
  const config = `${SNAPSHOT}/wrangler.toml`;
  if (runtime === "wrangler-dev") {
    const dev = await startWranglerDev(config, port, STATE, `${STATE}-dev.log`);
    return () => stopWranglerDev(dev);
  }
  Object.assign(process.env, WRANGLER_ENV);
  const worker = await unstable_startWorker({
    config,
    dev: { inspector: false, server: { hostname: "127.0.0.1", port }, persist: STATE, watch: false, logLevel: "warn" },
  });
  await worker.ready;
  return () => worker.dispose();
}

interface ServerRun {
  /** GET /openapi.json on the fresh server: the server and the isolate's script coming up. */
  startMs: number;
  latencyMs: number[];
  /** The service's own timings of each request (decode, extract, total). */
  serverMs: Array<Record<string, number>>;
  modelLoadMs: number;
  numFeatures: number;
  firstOverNext: number;
  firstOverWarm: number;
}

async function oneServer(runtime: Runtime, port: number, images: Uint8Array[]): Promise<ServerRun> {
  const stop = await startServer(runtime, port);
  try {
    const base = `http://127.0.0.1:${port}`;
    const t0 = performance.now();
    const openapi = await fetch(`${base}/openapi.json`);
    await openapi.arrayBuffer();
    if (!openapi.ok) throw new Error(`GET /openapi.json answered ${openapi.status}`);
    const startMs = Math.round(performance.now() - t0);
    const latencyMs: number[] = [], serverMs: Array<Record<string, number>> = [];
    let numFeatures = 0;
    for (const image of images) {
      const form = new FormData();
      form.append("image", new Blob([image as Uint8Array<ArrayBuffer>], { type: "image/png" }), "image.png");
      const t = performance.now();
      const res = await fetch(`${base}/v1/features`, { method: "POST", body: form });
      const text = await res.text();
      if (res.status === 503 && text.includes("restarted mid-request")) throw new DevServerRestarted();
      if (!res.ok) throw new Error(`/v1/features answered ${res.status}: ${text.slice(0, 400)}`);
      const body = JSON.parse(text) as { numFeatures: number; cache: string; timingsMs: Record<string, number> };
      latencyMs.push(Math.round(performance.now() - t));
      if (body.cache !== "miss") throw new Error(`/v1/features: cache ${body.cache}, not a miss`);
      serverMs.push(Object.fromEntries(Object.entries(body.timingsMs).map(([k, v]) => [k, Math.round(v)])));
      numFeatures = body.numFeatures;
    }
    const model = (await (await fetch(`${base}/v1/model`)).json()) as { loadMs: number };
    return {
      startMs,
      latencyMs,
      serverMs,
      modelLoadMs: model.loadMs,
      numFeatures,
      firstOverNext: ratio(latencyMs[0], latencyMs[1]),
      firstOverWarm: ratio(latencyMs[0], median(latencyMs.slice(1))),
    };
  } finally {
    await stop();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { runtime: { type: "string", default: "workerd" }, servers: { type: "string", default: "5" }, requests: { type: "string", default: "4" }, port: { type: "string", default: "8795" }, busy: { type: "boolean" }, json: { type: "boolean" } },
  });
  const servers = Number(values.servers), requests = Number(values.requests);
  const runtime = values.runtime as Runtime;
  if (runtime !== "workerd" && runtime !== "wrangler-dev") throw new RangeError("--runtime is workerd or wrangler-dev");
  if (!(servers >= 1 && requests >= 2)) throw new RangeError("--servers ≥ 1 and --requests ≥ 2");
  const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

  await snapshotSources(SNAPSHOT, ["src", "build", "codecs", "migrations", "wrangler.toml", "package.json", "tsconfig.json"]);
  await writeModelDirectoryToDisk(`${SNAPSHOT}/model-assets/model`, await buildModelDirectory(syntheticModelTensors(1), { trained: false, source: "synthetic:1" }));
  const s = scene(WIDTH + 16 * servers * requests, HEIGHT + 8, 11);
  const images: Uint8Array[][] = [];
  for (let i = 0; i < servers; i++) {
    const row: Uint8Array[] = [];
    for (let r = 0; r < requests; r++) row.push(await toPng(toRgba(crop(s, 16 * (i * requests + r), 4, WIDTH, HEIGHT))));
    images.push(row);
  }
  let busy: ChildProcess | undefined;
  if (values.busy) busy = spawnHostLoad(3600);
  const runs: ServerRun[] = [];
  let restarts = 0;
  try {
    for (let i = 0; i < servers; i++) {
      await rm(STATE, { recursive: true, force: true });
      const r = await oneServer(runtime, Number(values.port), images[i]).catch((error: unknown) => {
        if (!(error instanceof DevServerRestarted) || ++restarts > MAX_RESTARTS) throw error;
        log(`server ${i + 1}: wrangler dev reloaded the Worker mid-run; run again`);
        return undefined;
      });
      if (!r) {
        i--;
        continue;
      }
      log(`server ${i + 1}: start ${r.startMs} ms; ${r.latencyMs.join(" / ")} ms, model load ${r.modelLoadMs} ms, first/next ${r.firstOverNext}, first/warm ${r.firstOverWarm}`);
      runs.push(r);
    }
  } finally {
    busy?.kill();
  }
  const result = {
    bench: "cold",
    date: new Date().toISOString(),
    runtime,
    image: `${WIDTH}×${HEIGHT} PNG, default options`,
    busy: Boolean(values.busy),
    voidRunsDevServerReloaded: restarts,
    firstOverNext: runs.map((r) => r.firstOverNext),
    firstOverWarm: runs.map((r) => r.firstOverWarm),
    medianFirstOverNext: Number(median(runs.map((r) => r.firstOverNext)).toFixed(2)),
    medianFirstOverWarm: Number(median(runs.map((r) => r.firstOverWarm)).toFixed(2)),
    runs,
  };
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}
