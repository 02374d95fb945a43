/**
 * HTTP load against a running service on this machine (loopback only):
 *   npm run --silent bench -- load --url http://127.0.0.1:8787 --seconds 20 --connections 8 [--json]
 * Two phases, each `--seconds` long with `--connections` requests in flight:
 *   verify  POST /v1/verify with the features of two images (no extraction)
 *   match   POST /v1/match of the same two images, whose features are already cached
 * (one warm-up /v1/match and two /v1/features calls fill the cache first; tutorial defaults).
 * Prints throughput, p50/p99/max latency and errors; an error is any failed fetch, any non-200, or
 * a 200 whose numInliers differs from the warm-up's (answers must not change under load).
 * A bounded fetch loop (Node's fetch, keep-alive) rather than autocannon: no new dependency, and the
 * client's own cost is small next to these requests.
 */
import { parseArgs } from "node:util";
import { crop, scene, toRgba } from "../../test/shared/synthetic-images";
import { toPng } from "../../test/node/image/fixtures";

const MAX_SECONDS = 120;
const MAX_CONNECTIONS = 64;

interface PhaseResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  throughputPerS: number;
  latencyMs: { p50: number; p99: number; max: number };
  firstError?: string;
}

function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function phase(name: string, seconds: number, connections: number, send: () => Promise<Response>, check: (body: string) => string | null): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      let problem: string | null;
      try {
        const res = await send();
        const text = await res.text();
        problem = res.status === 200 ? check(text) : `HTTP ${res.status}: ${text.slice(0, 200)}`;
      } catch (error) {
        problem = (error as Error).message;
      }
      latencies.push(performance.now() - t0);
      if (problem) {
        errors++;
        firstError ??= problem;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    name,
    requests: latencies.length,
    errors,
    seconds: round(elapsed),
    throughputPerS: round(latencies.length / elapsed),
    latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies[latencies.length - 1] ?? NaN) },
    ...(firstError ? { firstError } : {}),
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string", default: "http://127.0.0.1:8787" },
      seconds: { type: "string", default: "20" },
      connections: { type: "string", default: "8" },
      "api-key": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const base = new URL(values.url!);
  if (!isLoopback(base)) {
    process.stderr.write(`load: refusing ${base.host}: this benchmark only runs against loopback (127.0.0.1, localhost, ::1)\n`);
    return 2;
  }
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) throw new RangeError(`--seconds must be in (0, ${MAX_SECONDS}]`);
  if (!(Number.isInteger(connections) && connections >= 1 && connections <= MAX_CONNECTIONS)) throw new RangeError(`--connections must be 1..${MAX_CONNECTIONS}`);
  const auth: Record<string, string> = values["api-key"] ? { authorization: `Bearer ${values["api-key"]}` } : {};
  const url = (path: string) => new URL(path, base).toString();

  const health = await fetch(url("/v1/health"), { headers: auth });
  if (!health.ok) throw new Error(`GET /v1/health answered ${health.status}`);
  const healthBody = (await health.json()) as { model?: { state?: string; source?: string; trained?: boolean } };

  // Two 512×384 views of one synthetic scene (the second shifted by (48, 32) px).
  const s = scene(640, 480, 7);
  const image1 = await toPng(toRgba(crop(s, 40, 40, 512, 384)));
  const image2 = await toPng(toRgba(crop(s, 88, 72, 512, 384)));
  const form = (fields: Record<string, Uint8Array>) => {
    const f = new FormData();
    for (const [name, bytes] of Object.entries(fields)) f.append(name, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "image/png" }), `${name}.png`);
    return f;
  };
  const match = () => fetch(url("/v1/match"), { method: "POST", body: form({ image1, image2 }), headers: auth });

  const warmStarted = performance.now();
  const warm = await match();
  const warmBody = (await warm.json()) as { numInliers: number; numPutative: number; cache: unknown; error?: unknown };
  if (!warm.ok) throw new Error(`warm-up /v1/match answered ${warm.status}: ${JSON.stringify(warmBody)}`);
  const warmMs = performance.now() - warmStarted;
  const features = async (image: Uint8Array) => {
    const res = await fetch(url("/v1/features"), { method: "POST", body: form({ image }), headers: auth });
    if (!res.ok) throw new Error(`/v1/features answered ${res.status}`);
    return res.json();
  };
  const verifyBody = JSON.stringify({ features1: await features(image1), features2: await features(image2) });
  const verify = () => fetch(url("/v1/verify"), { method: "POST", body: verifyBody, headers: { "content-type": "application/json", ...auth } });
  const sameAnswer = (text: string) => {
    const body = JSON.parse(text) as { numInliers: number; numPutative: number };
    return body.numInliers === warmBody.numInliers && body.numPutative === warmBody.numPutative ? null : `answer changed: ${body.numInliers} inliers`;
  };
  const cacheHit = (text: string) => {
    const body = JSON.parse(text) as { cache?: { image1: string; image2: string } };
    return body.cache?.image1 === "hit" && body.cache?.image2 === "hit" ? sameAnswer(text) : `not a cache hit: ${JSON.stringify(body.cache)}`;
  };

  const results = [await phase("verify", seconds, connections, verify, sameAnswer), await phase("match (cached features)", seconds, connections, match, cacheHit)];
  const report = {
    url: base.origin,
    date: new Date().toISOString(),
    seconds,
    connections,
    model: healthBody.model,
    warmUp: { matchMs: Math.round(warmMs), numPutative: warmBody.numPutative, numInliers: warmBody.numInliers },
    results,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`load against ${report.url}: ${connections} connections, ${seconds} s per phase; model ${JSON.stringify(report.model)}\n`);
    process.stdout.write(`warm-up /v1/match (2 extractions): ${report.warmUp.matchMs} ms, ${report.warmUp.numPutative} putative, ${report.warmUp.numInliers} inliers\n\n`);
    process.stdout.write(`${"phase".padEnd(26)}${"requests".padStart(9)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"max ms".padStart(9)}${"errors".padStart(8)}\n`);
    for (const r of results)
      process.stdout.write(`${r.name.padEnd(26)}${String(r.requests).padStart(9)}${String(r.throughputPerS).padStart(9)}${String(r.latencyMs.p50).padStart(9)}${String(r.latencyMs.p99).padStart(9)}${String(r.latencyMs.max).padStart(9)}${String(r.errors).padStart(8)}\n`);
    for (const r of results) if (r.firstError) process.stdout.write(`first error in ${r.name}: ${r.firstError}\n`);
  }
  return results.some((r) => r.errors > 0) ? 1 : 0;
}
