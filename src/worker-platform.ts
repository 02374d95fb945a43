/**
 * The Worker's Platform: one ServiceContext per isolate, built on the first request from the
 * bundled wasm modules, the Static Assets model directory, the Workers Cache API and a queue.
 */
import { workerWasmModules } from "./runtime/wasm-modules.worker";
import { startRuntime } from "./runtime/start";
import { ModelProvider, type ModelSource } from "./service/model-provider";
import { parseSyntheticSpec } from "./delf/synthetic";
import { WorkersFeatureCache } from "./service/feature-cache";
import { SerialQueue } from "./service/serial-queue";
import type { ServiceContext } from "./service/context";
import { digestStreamHash } from "./service/stream-hash";
import type { Bindings } from "./http/bindings";
import type { Platform } from "./http/platform";
import { CodebookError, parseCodebook, type Codebook } from "./retrieval/core";

/** Model files live under model-assets/model/ and reach the Worker through the ASSETS binding. */
const MODEL_PREFIX = "https://assets.invalid/model/";

async function readAsset(assets: Fetcher, path: string): Promise<Uint8Array> {
  const res = await assets.fetch(MODEL_PREFIX + path);
  if (!res.ok) throw new Error(`model file ${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function workerModelSource(env: Bindings): Promise<ModelSource> {
  const seed = env.MODEL_FALLBACK ? parseSyntheticSpec(env.MODEL_FALLBACK) : null;
  if (env.ASSETS) {
    const manifest = await env.ASSETS.fetch(MODEL_PREFIX + "model.json");
    await manifest.body?.cancel();
    if (manifest.ok) {
      const assets = env.ASSETS;
      return { kind: "directory", readFile: (path) => readAsset(assets, path) };
    }
  }
  if (seed !== null) return { kind: "synthetic", seed };
  return {
    kind: "none",
    reason: "no model deployed: model-assets/model/model.json is missing (import the official weights: see README, 'Using the official DELF weights')",
  };
}

/** The retrieval codebook lives under model-assets/codebook/ (trained by `cli train-codebook`), beside its sha-256. */
const CODEBOOK_PREFIX = "https://assets.invalid/codebook/";

export async function loadWorkerCodebook(env: Bindings): Promise<Codebook> {
  if (!env.ASSETS) throw new CodebookError("no ASSETS binding: the codebook cannot be read");
  const read = async (name: string) => {
    const res = await env.ASSETS!.fetch(CODEBOOK_PREFIX + name);
    if (!res.ok) {
      await res.body?.cancel();
      throw new CodebookError(`codebook/${name} cannot be read: HTTP ${res.status} (train one: npm run cli -- train-codebook)`);
    }
    return new Uint8Array(await res.arrayBuffer());
  };
  const [bytes, sha] = await Promise.all([read("codebook.bin"), read("codebook.sha256")]);
  return parseCodebook(bytes, new TextDecoder().decode(sha).trim().split(/\s+/)[0]);
}

export function workerPlatform(): Platform {
  let context: Promise<ServiceContext> | undefined;
  let codebook: Promise<Codebook> | undefined;
  return {
    codebook(env: Bindings) {
      // Verified once per isolate; a failure is not kept, so a fixed deployment recovers.
      codebook ??= loadWorkerCodebook(env);
      codebook.catch(() => {
        codebook = undefined;
      });
      return codebook;
    },
    context(env: Bindings) {
      context ??= (async () => {
        const { modules, kernels } = await startRuntime(workerWasmModules);
        return {
          modules,
          kernels,
          models: new ModelProvider(() => workerModelSource(env)),
          cache: new WorkersFeatureCache((caches as unknown as { default: Cache }).default),
          queue: new SerialQueue(),
          streamHash: digestStreamHash,
        };
      })();
      context.catch(() => {
        context = undefined;
      });
      return context;
    },
  };
}
