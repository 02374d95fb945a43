/**
 * The Node front door's Platform (CLI, tests, benchmarks): wasm compiled from files, the model
 * from a directory on disk or `synthetic:<seed>`, an in-memory LRU feature cache.
 */
import { loadNodeWasmModules } from "./runtime/wasm-modules.node.js"; // .js: tsx would take a bare ".node" for a native addon
import { startRuntime } from "./runtime/start";
import { ModelProvider, type ModelSource } from "./service/model-provider";
import { parseSyntheticSpec } from "./delf/synthetic";
import { MemoryFeatureCache } from "./service/feature-cache";
import { SerialQueue } from "./service/serial-queue";
import type { ServiceContext } from "./service/context";
import type { StreamHash } from "./service/stream-hash";
import { createHash } from "node:crypto";
import type { Platform } from "./http/platform";

/** `synthetic:<seed>` or a model directory path. */
export async function nodeModelSource(weights: string): Promise<ModelSource> {
  const seed = parseSyntheticSpec(weights);
  if (seed !== null) return { kind: "synthetic", seed };
  const { readFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  return { kind: "directory", readFile: async (path) => new Uint8Array(await readFile(join(weights, path))) };
}

export function nodeStreamHash(): StreamHash {
  const hash = createHash("sha256");
  return {
    update: async (piece) => void hash.update(piece),
    hex: async () => hash.digest("hex"),
  };
}

export async function createNodeContext(weights: string): Promise<ServiceContext> {
  const { modules, kernels } = await startRuntime(await loadNodeWasmModules());
  return {
    modules,
    kernels,
    models: new ModelProvider(() => nodeModelSource(weights)),
    cache: new MemoryFeatureCache(),
    queue: new SerialQueue(),
    streamHash: nodeStreamHash,
  };
}

export function nodePlatform(weights: string): Platform {
  let context: Promise<ServiceContext> | undefined;
  return { context: () => (context ??= createNodeContext(weights)) };
}
