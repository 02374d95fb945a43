/**
 * Helpers for the retrieval tests inside workerd: a small codebook served through a fake Static
 * Assets binding, the app over the Worker platform with the local D1/R2 (migrations applied),
 * deterministic synthetic feature sets (40-d, unit norm) and their transformed copies.
 */
import { env, applyD1Migrations } from "cloudflare:test";
import { createApp } from "../../../src/http/app";
import { workerPlatform } from "../../../src/worker-platform";
import { serialiseCodebook } from "../../../src/retrieval/core";
import { sha256Hex } from "../../../src/bytes";
import { mulberry32 } from "../../shared/prng";
import type { Bindings } from "../../../src/http/bindings";

export type Json = Record<string, any>;
export const testEnv = env as unknown as Bindings & { INDEX_DB: D1Database; FEATURES: R2Bucket; TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] };

export const DIM = 40;

function unitRows(rand: () => number, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = rand() * 2 - 1;
      out[r * dim + d] = v;
      norm += v * v;
    }
    for (let d = 0; d < dim; d++) out[r * dim + d] /= Math.sqrt(norm);
  }
  return out;
}

/** codebook.bin + codebook.sha256 of `numWords` random unit centroids. */
export async function codebookFiles(numWords = 64, seed = 7): Promise<Map<string, Uint8Array>> {
  const bytes = serialiseCodebook(unitRows(mulberry32(seed), numWords, DIM), numWords, DIM);
  return new Map([
    ["codebook.bin", bytes],
    ["codebook.sha256", new TextEncoder().encode(`${await sha256Hex(bytes)}  codebook.bin\n`)],
  ]);
}

/** Serves `files` under /codebook/; everything else 404 (no model files: the synthetic fallback). */
export function fakeAssets(files: Map<string, Uint8Array>): Fetcher {
  return {
    async fetch(input: RequestInfo | URL) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const file = url.pathname.startsWith("/codebook/") ? files.get(url.pathname.slice("/codebook/".length)) : undefined;
      return file ? new Response(file as Uint8Array<ArrayBuffer>) : new Response("Not Found", { status: 404 });
    },
    connect() {
      throw new Error("not supported");
    },
  } as unknown as Fetcher;
}

/** Empties the index tables and the features bucket (storage is per test file; tests in a file share it). */
export async function resetIndex(): Promise<void> {
  await applyD1Migrations(testEnv.INDEX_DB, testEnv.TEST_MIGRATIONS);
  await testEnv.INDEX_DB.batch(
    ["items", "postings", "posting_counts", "segments", "jobs", "job_items", "leases"].map((t) => testEnv.INDEX_DB.prepare(`DELETE FROM ${t}`)),
  );
  for (;;) {
    const listed = await testEnv.FEATURES.list({ limit: 1000 });
    if (listed.objects.length === 0) break;
    await testEnv.FEATURES.delete(listed.objects.map((o) => o.key));
  }
}

/** A snapshot of everything stored, to prove a failed request changed nothing. */
export async function storedState(): Promise<string> {
  const tables = await testEnv.INDEX_DB.batch(
    ["items", "segments", "jobs", "job_items", "counters"].map((t) => testEnv.INDEX_DB.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`)),
  );
  const postings = await testEnv.INDEX_DB.prepare("SELECT word, segment, part, hex(data) AS d FROM postings ORDER BY word, segment, part").all();
  const objects = (await testEnv.FEATURES.list()).objects.map((o) => `${o.key}:${o.size}`);
  return JSON.stringify({ tables: tables.map((t) => t.results), postings: postings.results, objects });
}

export interface Api {
  app: ReturnType<typeof createApp>;
  bindings: Bindings;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
}

/** The app over a fresh Worker platform (its own codebook cache) with the given codebook files. */
export function retrievalApi(files: Map<string, Uint8Array>, extra: Partial<Bindings> = {}): Api {
  const app = createApp(workerPlatform());
  const bindings: Bindings = { ...testEnv, ASSETS: fakeAssets(files), ...extra };
  return {
    app,
    bindings,
    async call(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = body instanceof FormData ? body : JSON.stringify(body);
        if (!(body instanceof FormData)) init.headers = { "content-type": "application/json" };
      }
      const res = await app.fetch(new Request(`http://localhost${path}`, init), bindings);
      return { status: res.status, body: (await res.json()) as Json };
    },
  };
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface PlainFeatures {
  locations: Array<[number, number]>;
  descriptors: { dtype: "float32"; shape: [number, number]; base64: string };
}

/** `count` random features on a 256×256 image: unit 40-d descriptors, random [x, y]. */
export function syntheticFeatures(seed: number, count = 120): PlainFeatures {
  const rand = mulberry32(seed);
  const descriptors = unitRows(rand, count, DIM);
  const locations: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) locations.push([rand() * 256, rand() * 256]);
  return { locations, descriptors: { dtype: "float32", shape: [count, DIM], base64: base64(new Uint8Array(descriptors.buffer)) } };
}

/** The same features seen through x' = 0.9x + 12, y' = 0.9y − 7 (a query that should find its source). */
export function shifted(set: PlainFeatures): PlainFeatures {
  return { ...set, locations: set.locations.map(([x, y]) => [0.9 * x + 12, 0.9 * y - 7] as [number, number]) };
}
