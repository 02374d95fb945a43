/**
 * `bench -- memory [--json] [--weights DIR] [--image1 P] [--image2 P] [--fit 256|none|N[,N…]]
 *  [--scales tutorial|a,b,c] [--ignore-level-limit] [--live-every N]`
 *
 * Peak memory of a full POST /v1/match (two images, tutorial options unless told otherwise) served by
 * the real Hono app on the Node platform, each measurement in a FRESH Node process (the tfjs wasm heap
 * never shrinks, so a reused process would report the previous run's peak). The model is a real model
 * directory written by `export-weights --weights synthetic:1` (cached in the OS temp directory) unless
 * --weights names one; it is loaded from disk before the request, as a cold isolate would.
 * --fit takes a comma list (one fresh process each); --ignore-level-limit lifts LIMITS.maxLevelPixels
 * inside the child so sizes above it can be measured; --ignore-byte-limits lifts maxImageBytes the
 * same way (for --input url; the body limit is fixed when the app loads). --input url serves the two files from a loopback HTTP server in the child
 * (streamed from disk) and sends JSON {"url"} inputs; the default multipart body is streamed from disk
 * too, so the client never holds the files. --warm serves the tutorial pair first (stage "warm-up"),
 * so the measured request meets a warm isolate whose tfjs heap has already grown to its pyramid size:
 * compare stages.request.totalMiB.
 *
 * What is measured (MiB = 2^20 bytes):
 * - peakWasmHeapMiB: the largest tfjs wasm `memory.buffer.byteLength` seen (it only grows).
 * - wasmMemoriesPeakMiB: every wasm memory of the service (tfjs, AssemblyScript kernels, image
 *   codecs), found by wrapping WebAssembly.instantiate / new WebAssembly.Instance before anything
 *   loads. A per-call codec instance (the PNG decoder makes one per image) counts until the first
 *   live sample after it was made, at its full size.
 * - peakJsHeapMiB: the largest LIVE JS memory = `heapUsed + arrayBuffers` right after two forced full
 *   GCs (`--expose-gc`). Live samples are taken after every model shard read, at every --live-every'th
 *   (default 4) tfjs wasm `_malloc` (tensor uploads and kernel outputs: dozens per pyramid level), and
 *   before and after the request. `arrayBuffers` holds the model shards, pixel buffers and request
 *   bytes (wasm memories are not in it). Garbage is not counted: V8 collects it before failing.
 *   jsBaselineMiB is the live JS after importing the app and starting the runtime, before the model
 *   (Node + the app's bundled code: the child runs an esbuild bundle under plain Node, as a Worker runs
 *   one bundled script, so no TypeScript loader is counted).
 * - peakJsRawMiB: `heapUsed + arrayBuffers` at every malloc without forcing GC (includes garbage).
 * - peakTotalMiB: max over live samples of (all wasm memories + live JS) at the same instant;
 *   peakTotalAboveBaselineMiB subtracts jsBaselineMiB (Node + code), i.e. what serving adds.
 * - loadModelDirectory copies each verified shard into one manifest-sized buffer, so at most one shard
 *   exists beside it; the live sample after every shard read sees that.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const MiB = 2 ** 20;
const THIS_FILE = fileURLToPath(import.meta.url);
const SHARED = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const DEFAULT_IMAGES = [join(SHARED, "pairs/graf/img1.png"), join(SHARED, "pairs/graf/img2.png")];
const USAGE =
  "usage: bench -- memory [--json] [--weights DIR] [--image1 P] [--image2 P] [--fit 256|none|N[,N...]] " +
  "[--scales tutorial|a,b,c] [--ignore-level-limit] [--ignore-byte-limits] [--warm] [--live-every N] [--input multipart|multipart-options-last|url]\n";

/** One measurement, passed to the child as JSON. */
interface ChildConfig {
  weights: string;
  image1: string;
  image2: string;
  /** 256 (tutorial), "none", or {maxSide}. */
  fit: 256 | "none" | { maxSide: number };
  scales: number[] | null;
  ignoreLevelLimit: boolean;
  /** Lift the byte limits (per image, held, WebP, match upload), to measure what larger files would cost; other routes' body limit is fixed when the app loads. */
  ignoreByteLimits: boolean;
  /** Serve one tutorial /v1/match first (stage "warm-up"), so the measured request meets a warm isolate. */
  warm: boolean;
  /** Force GC and take a live sample at every n-th tfjs malloc. */
  liveEvery: number;
  /** How the images travel: a multipart upload, or JSON {"url"} served by a local HTTP server. */
  input: "multipart" | "multipart-options-last" | "url";
}

export interface MemoryResult {
  peakWasmHeapMiB: number;
  peakJsHeapMiB: number;
  peakTotalMiB: number;
  features1: number;
  features2: number;
  status: number;
  error?: string;
  processed: { width: number; height: number } | null;
  numInliers: number | null;
  jsBaselineMiB: number;
  /** peakTotalMiB minus jsBaselineMiB: what the service adds on top of its loaded code. */
  peakTotalAboveBaselineMiB: number;
  peakJsRawMiB: number;
  wasmHeapAfterModelMiB: number;
  wasmMemoriesPeakMiB: Record<string, number>;
  stages: Record<string, { totalMiB: number; jsLiveMiB: number; heapUsedMiB: number; arrayBuffersMiB: number; wasmHeapMiB: number }>;
  fit: ChildConfig["fit"];
  scales: number[] | "tutorial";
  samples: { all: number; live: number };
  ms: number;
}

// ---------------------------------------------------------------- parent

function parseFit(text: string): ChildConfig["fit"] {
  if (text === "none") return "none";
  if (text === "256") return 256;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 32) throw new Error(`--fit ${text}: expected 256, none or a side`);
  return { maxSide: n };
}

/** The synthetic:1 model directory written by the real `export-weights` command (cached). */
async function defaultWeights(): Promise<string> {
  const dir = join(tmpdir(), "delf-edge-bench-weights-synthetic-1");
  if (!existsSync(join(dir, "model.json"))) {
    await mkdir(dir, { recursive: true });
    const { run: exportWeights } = (await import("../commands/export-weights")) as { run(a: string[]): Promise<number> };
    if ((await exportWeights(["--weights", "synthetic:1", "--out", dir])) !== 0) throw new Error("export-weights failed");
  }
  return dir;
}

/**
 * The child is this file bundled by esbuild (npm packages left external) and run by plain Node, like
 * the Worker runs one bundled script: no TypeScript loader (tsx) in the measured process, whose own
 * heap would otherwise count as the app's. Written to build/bench/ (same depth as scripts/bench/, so
 * relative paths such as ../../../shared resolve alike).
 */
let bundledChild: Promise<string> | undefined;
function childScript(): Promise<string> {
  bundledChild ??= (async () => {
    const { build } = await import("esbuild");
    const outfile = fileURLToPath(new URL("../../build/bench/memory-child.mjs", import.meta.url));
    await build({ entryPoints: [THIS_FILE], bundle: true, platform: "node", format: "esm", packages: "external", outfile, logLevel: "error" });
    return outfile;
  })();
  return bundledChild;
}

/** Runs one measurement in a fresh Node process and returns its JSON. */
export async function measureInFreshProcess(config: ChildConfig): Promise<MemoryResult> {
  const script = await childScript();
  return new Promise((resolve, reject) => {
    // Relaxed SIMD as in workerd (Node 20 needs the flag), so the conv engine runs the same build.
    const child = spawn(process.execPath, ["--expose-gc", "--experimental-wasm-relaxed-simd", script, "--child", JSON.stringify(config)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line) return reject(new Error(`memory child exited with ${code}: ${out}`));
      resolve(JSON.parse(line) as MemoryResult);
    });
  });
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: "boolean" },
        weights: { type: "string" },
        image1: { type: "string" },
        image2: { type: "string" },
        fit: { type: "string", default: "256" },
        scales: { type: "string", default: "tutorial" },
        "ignore-level-limit": { type: "boolean" },
        "ignore-byte-limits": { type: "boolean" },
        warm: { type: "boolean" },
        "live-every": { type: "string", default: "4" },
        input: { type: "string", default: "multipart" },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const image1 = values.image1 ?? DEFAULT_IMAGES[0];
  const image2 = values.image2 ?? DEFAULT_IMAGES[1];
  if (!existsSync(image1) || !existsSync(image2)) {
    process.stderr.write(`memory: images not found (${image1}, ${image2}); pass --image1/--image2 or provide ../shared\n`);
    return 2;
  }
  const liveEvery = Number(values["live-every"]);
  if (!Number.isInteger(liveEvery) || liveEvery < 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (values.input !== "multipart" && values.input !== "multipart-options-last" && values.input !== "url") {
    process.stderr.write(USAGE);
    return 2;
  }
  const scales = values.scales === "tutorial" ? null : values.scales!.split(",").map(Number);
  const weights = values.weights ?? (await defaultWeights());
  for (const fitText of values.fit!.split(",")) {
    const result = await measureInFreshProcess({
      weights,
      image1,
      image2,
      fit: parseFit(fitText),
      scales,
      ignoreLevelLimit: Boolean(values["ignore-level-limit"]),
      ignoreByteLimits: Boolean(values["ignore-byte-limits"]),
      warm: Boolean(values.warm),
      liveEvery,
      input: values.input,
    });
    process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
  }
  return 0;
}

// ---------------------------------------------------------------- child (fresh process)

/** Exports of per-call codec instances after which the bench samples (photo decoder, squoosh PNG). */
const DECODE_EXPORTS = new Set(["jpeg_decode", "webp_decode", "decode"]);

/** Tracks every wasm memory and the JS heap; samples are taken by hooks installed below. */
class MemorySampler {
  /** Memories of instances made at start-up (tfjs, kernels): alive for the whole process. */
  readonly lasting: Array<{ memory: WebAssembly.Memory; label: string }> = [];
  /**
   * Memories of per-call instances (the PNG decoder makes a fresh one per image and drops it after
   * the decode). Each is counted, at its full size, up to and including the first live sample after
   * it was made — that is the moment of the decode — and then let go.
   */
  private transient: Array<{ memory: WebAssembly.Memory; label: string }> = [];
  /** Largest size seen per memory label. */
  readonly memoryPeaks = new Map<string, number>();
  tfjsHeap: (() => number) | null = null;
  peakTfjs = 0;
  peakJsLive = 0;
  peakJsRaw = 0;
  peakTotal = 0;
  count = 0;
  liveCount = 0;
  /** Live JS and all-wasm bytes of the last live sample. */
  last = { js: 0, wasm: 0 };
  /** Label of the current stage; the peaks of each stage are kept in `stages`. */
  stage = "start";
  readonly stages = new Map<string, { jsLive: number; total: number; tfjs: number; heapUsed: number; arrayBuffers: number }>();
  private lastUsage = { heapUsed: 0, arrayBuffers: 0 };
  private mallocs = 0;
  private readonly gc = (globalThis as { gc?: () => void }).gc;

  /** `liveEvery`: force GC and take a live sample at every n-th tfjs malloc (1 = every one). */
  constructor(readonly liveEvery: number) {
    if (!this.gc) throw new Error("the memory child needs --expose-gc");
  }

  wasmBytes(): { tfjs: number; all: number } {
    const tfjs = this.tfjsHeap?.() ?? 0;
    let all = 0;
    for (const m of [...this.lasting, ...this.transient]) {
      const bytes = m.memory.buffer.byteLength;
      this.memoryPeaks.set(m.label, Math.max(this.memoryPeaks.get(m.label) ?? 0, bytes));
      all += bytes;
    }
    return { tfjs, all };
  }

  /** Called at every tfjs wasm _malloc. */
  onMalloc(): void {
    this.sample(++this.mallocs % this.liveEvery === 0);
  }

  notePeak(js: number, total: number, tfjs: number): void {
    this.peakJsLive = Math.max(this.peakJsLive, js);
    this.peakTotal = Math.max(this.peakTotal, total);
    const s = this.stages.get(this.stage) ?? { jsLive: 0, total: 0, tfjs: 0, heapUsed: 0, arrayBuffers: 0 };
    this.stages.set(this.stage, {
      jsLive: Math.max(s.jsLive, js),
      total: Math.max(s.total, total),
      tfjs: Math.max(s.tfjs, tfjs),
      heapUsed: Math.max(s.heapUsed, this.lastUsage.heapUsed),
      arrayBuffers: Math.max(s.arrayBuffers, this.lastUsage.arrayBuffers),
    });
  }

  sample(live: boolean): void {
    this.count++;
    const raw = process.memoryUsage();
    this.peakJsRaw = Math.max(this.peakJsRaw, raw.heapUsed + raw.arrayBuffers);
    const wasm = this.wasmBytes();
    this.peakTfjs = Math.max(this.peakTfjs, wasm.tfjs);
    if (!live) return;
    this.liveCount++;
    // Two full GCs: after one, freed ArrayBuffers' backing stores are not always released yet.
    this.gc!();
    this.gc!();
    const m = process.memoryUsage();
    const js = m.heapUsed + m.arrayBuffers;
    this.last = { js, wasm: wasm.all };
    this.lastUsage = { heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
    this.notePeak(js, wasm.all + js, wasm.tfjs);
    this.transient = [];
    if (process.env.MEMORY_TRACE)
      process.stderr.write(
        `${this.stage}\theap ${(m.heapUsed / MiB).toFixed(1)}\tarrayBuffers ${(m.arrayBuffers / MiB).toFixed(1)}\twasm ${(wasm.all / MiB).toFixed(1)} (tfjs ${(wasm.tfjs / MiB).toFixed(1)})\n`,
      );
  }

  /** Records the memory of every wasm instance created from now on (exported or imported). */
  watchWasmInstances(): void {
    const collect = (instance: WebAssembly.Instance, imports: WebAssembly.Imports | undefined, into: typeof this.lasting) => {
      // Node's own HTTP parser (undici's llhttp) is not part of the service and does not exist in workerd.
      if ("llhttp_init" in instance.exports) return;
      const label = Object.keys(instance.exports).filter((k) => typeof instance.exports[k] === "function").slice(0, 2).join(",");
      const found = [...Object.values(instance.exports), ...Object.values(imports ?? {}).flatMap((ns) => Object.values(ns ?? {}))];
      // A memory counts once: the conv kernel's instance imports tfjs-wasm's own memory.
      const known = (v: WebAssembly.Memory) => [...this.lasting, ...this.transient].some((m) => m.memory === v);
      for (const v of found) if (v instanceof WebAssembly.Memory && !known(v)) into.push({ memory: v, label });
    };
    const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...a: unknown[]) => Promise<unknown>;
    (WebAssembly as { instantiate: unknown }).instantiate = async (source: unknown, imports?: WebAssembly.Imports) => {
      const result = await instantiate(source, imports);
      const instance = result instanceof WebAssembly.Instance ? result : (result as { instance: WebAssembly.Instance }).instance;
      collect(instance, imports, this.lasting);
      return result;
    };
    const sampler = this;
    (WebAssembly as { Instance: unknown }).Instance = new Proxy(WebAssembly.Instance, {
      construct(target, args: [WebAssembly.Module, WebAssembly.Imports?]) {
        const instance = new target(...args);
        collect(instance, args[1], sampler.transient);
        // A per-call codec's peak is when its decode returns (pixels in its memory, encoded bytes
        // still held by the caller): take a live sample right then.
        const exports: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(instance.exports)) {
          exports[name] = typeof value === "function" && DECODE_EXPORTS.has(name)
            ? (...a: unknown[]) => {
                const out = (value as (...a: unknown[]) => unknown)(...a);
                sampler.sample(true);
                return out;
              }
            : value;
        }
        return Object.create(WebAssembly.Instance.prototype, { exports: { value: Object.freeze(exports) } });
      },
    });
  }
}

async function child(config: ChildConfig): Promise<MemoryResult> {
  const sampler = new MemorySampler(config.liveEvery);
  sampler.watchWasmInstances();
  const started = performance.now();
  // Everything below is imported after the hooks, so every wasm instance is seen.
  const { createApp } = await import("../../src/http/app");
  const { createNodeContext, nodeModelSource } = await import("../../src/node-platform");
  const { ModelProvider } = await import("../../src/service/model-provider");
  const { tfjsWasmModule } = await import("../../src/runtime/tfjs");
  const { LIMITS } = await import("../../src/service/limits");
  if (config.ignoreLevelLimit) (LIMITS as { maxLevelPixels: number }).maxLevelPixels = Number.MAX_SAFE_INTEGER;
  if (config.ignoreByteLimits) {
    Object.assign(LIMITS, { maxImageBytes: 64 * 2 ** 20, maxHeldImageBytes: 64 * 2 ** 20, maxWebpBytes: 64 * 2 ** 20, maxMatchUploadBytes: 130 * 2 ** 20, maxBodyBytes: 130 * 2 ** 20 });
    // The image layer's copy of the limits was taken when extract-image.ts loaded.
    const { IMAGE_LIMITS } = await import("../../src/service/extract-image");
    Object.assign(IMAGE_LIMITS, { maxHeldBytes: LIMITS.maxHeldImageBytes, maxWebpBytes: LIMITS.maxWebpBytes });
  }
  // The GC-forcing sampler slows a loopback download far below network speed: no time limit here.
  (LIMITS as { urlTimeoutMs: number }).urlTimeoutMs = 10 * 60_000;

  const context = await createNodeContext(config.weights);
  // The Node platform's model source, with a live sample after every shard read (loadModelDirectory
  // has then allocated its manifest-sized buffer and holds the one shard just read).
  context.models = new ModelProvider(async () => {
    const source = await nodeModelSource(config.weights);
    if (source.kind !== "directory") return source;
    return {
      ...source,
      readFile: async (path: string) => {
        const bytes = await source.readFile(path);
        sampler.sample(true);
        return bytes;
      },
    };
  });
  const wasm = tfjsWasmModule();
  sampler.tfjsHeap = () => wasm.HEAPU8.buffer.byteLength;
  // Every tensor upload and kernel output goes through the backend's JS-side _malloc. Emscripten's
  // first call replaces Module._malloc with the raw export, so make that call before wrapping it.
  wasm._free(wasm._malloc(16));
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (bytes: number) => {
    const ptr = malloc(bytes);
    sampler.onMalloc();
    return ptr;
  };
  sampler.sample(true);
  const jsBaseline = sampler.last.js;

  sampler.stage = "model load";
  await context.models.get();
  sampler.sample(true);
  const heapAfterModel = sampler.wasmBytes().tfjs;

  const app = createApp({ context: () => Promise.resolve(context) } as never);
  if (config.warm) {
    // A warm isolate: the tfjs heap has grown to its pyramid size (it never shrinks) before the
    // measured request decodes anything. The stage's own peak is reported apart (stages["warm-up"]).
    sampler.stage = "warm-up";
    const warmUp = await streamedMultipart({ image1: DEFAULT_IMAGES[0], image2: DEFAULT_IMAGES[1] }, JSON.stringify({ fit: 256 }), false);
    const res = await app.request(
      new Request("http://localhost/v1/match", { method: "POST", body: warmUp.body, headers: { "content-type": warmUp.contentType }, duplex: "half" } as RequestInit),
    );
    if (res.status !== 200) throw new Error(`warm-up request answered ${res.status}`);
    await res.arrayBuffer();
    sampler.sample(true);
  }
  sampler.stage = "request";
  const options: Record<string, unknown> = { fit: config.fit };
  if (config.scales) options.scales = config.scales;
  // The client side must not count: the files are streamed from disk (multipart body or HTTP server),
  // never held in this process except by the service itself.
  let response: Response;
  // Async phases without wasm calls (the PNG row decoder, downloads) are sampled by a timer.
  // Re-armed after each sample (not setInterval): two forced GCs can take longer than the period.
  let ticker: ReturnType<typeof setTimeout>;
  const tick = () => {
    sampler.sample(true);
    ticker = setTimeout(tick, 50);
  };
  ticker = setTimeout(tick, 50);
  if (config.input === "url") {
    const server = await serveFiles([config.image1, config.image2]);
    try {
      sampler.sample(true);
      response = await app.request("/v1/match", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ image1: { url: `${server.url}/0` }, image2: { url: `${server.url}/1` }, options }),
      });
    } finally {
      server.close();
    }
  } else {
    const { body, contentType } = await streamedMultipart({ image1: config.image1, image2: config.image2 }, JSON.stringify(options), config.input === "multipart-options-last");
    sampler.sample(true);
    response = await app.request(
      new Request("http://localhost/v1/match", { method: "POST", body, headers: { "content-type": contentType }, duplex: "half" } as RequestInit),
    );
  }
  clearTimeout(ticker);
  const body = (await response.json()) as {
    image1?: { numFeatures: number; processed: { width: number; height: number } | null };
    image2?: { numFeatures: number };
    numInliers?: number;
    error?: { code: string; message: string };
  };
  sampler.sample(true);
  const mib = (b: number) => Number((b / MiB).toFixed(1));
  return {
    peakWasmHeapMiB: mib(sampler.peakTfjs),
    peakJsHeapMiB: mib(sampler.peakJsLive),
    peakTotalMiB: mib(sampler.peakTotal),
    features1: body.image1?.numFeatures ?? 0,
    features2: body.image2?.numFeatures ?? 0,
    status: response.status,
    ...(body.error ? { error: `${body.error.code}: ${body.error.message}` } : {}),
    processed: body.image1?.processed ?? null,
    numInliers: body.numInliers ?? null,
    jsBaselineMiB: mib(jsBaseline),
    peakTotalAboveBaselineMiB: mib(sampler.peakTotal - jsBaseline),
    peakJsRawMiB: mib(sampler.peakJsRaw),
    wasmHeapAfterModelMiB: mib(heapAfterModel),
    wasmMemoriesPeakMiB: Object.fromEntries([...sampler.memoryPeaks].map(([label, bytes]) => [label, mib(bytes)])),
    stages: Object.fromEntries(
      [...sampler.stages].map(([k, v]) => [
        k,
        { totalMiB: mib(v.total), jsLiveMiB: mib(v.jsLive), heapUsedMiB: mib(v.heapUsed), arrayBuffersMiB: mib(v.arrayBuffers), wasmHeapMiB: mib(v.tfjs) },
      ]),
    ),
    fit: config.fit,
    scales: config.scales ?? "tutorial",
    samples: { all: sampler.count, live: sampler.liveCount },
    ms: Math.round(performance.now() - started),
  };
}

/** A multipart/form-data body whose file parts are read from disk as it is consumed. */
async function streamedMultipart(files: Record<string, string>, options: string, optionsLast: boolean): Promise<{ body: ReadableStream<Uint8Array>; contentType: string }> {
  const boundary = "----delf-edge-memory-bench";
  const enc = new TextEncoder();
  const parts: Array<Uint8Array | string> = [];
  const optionsPart = enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="options"\r\n\r\n${options}\r\n`);
  if (!optionsLast) parts.push(optionsPart);
  for (const [name, path] of Object.entries(files)) {
    parts.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(path);
    parts.push(enc.encode("\r\n"));
  }
  if (optionsLast) parts.push(optionsPart);
  parts.push(enc.encode(`--${boundary}--\r\n`));
  const { createReadStream } = await import("node:fs");
  const { Readable } = await import("node:stream");
  async function* chunks() {
    for (const part of parts) {
      if (typeof part !== "string") yield part;
      else for await (const chunk of createReadStream(part, { highWaterMark: 64 * 1024 })) yield new Uint8Array(chunk as Buffer);
    }
  }
  return { body: Readable.toWeb(Readable.from(chunks())) as ReadableStream<Uint8Array>, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A loopback HTTP server streaming the files from disk (path i at /i), with Content-Length. */
async function serveFiles(paths: string[]): Promise<{ url: string; close(): void }> {
  const { createServer } = await import("node:http");
  const { createReadStream, statSync } = await import("node:fs");
  const server = createServer((req, res) => {
    const path = paths[Number(req.url?.slice(1))];
    if (!path) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": statSync(path).size });
    createReadStream(path, { highWaterMark: 64 * 1024 }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === "--child") {
  const result = await child(JSON.parse(process.argv[3]) as ChildConfig);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
