/**
 * The model directory format — the only thing the DELF loader reads:
 *   model.json  {"format":"delf-v1","weightsManifest":[{"paths":[...],"weights":[{name,shape,dtype}]}],
 *                "sha256":{"<shard>":"<hex>"},"trained":bool,"source":"..."}
 *   shards      float32 little-endian, tensors laid end to end in manifest order across the shards
 *               (tfjs weights-manifest style), each shard at most 25 MiB (Static Assets limit).
 * Reading works over any `readFile(path)` (file system in Node, ASSETS/R2 fetch in the Worker).
 */
import { requiredModelTensors, type TensorSpec } from "./delf-tensors";
import { sha256Hex } from "../bytes";

export const MODEL_FORMAT = "delf-v1";
export const MAX_SHARD_BYTES = 25 * 1024 * 1024;
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: "float32";
}

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  weightsManifest: Array<{ paths: string[]; weights: ManifestWeight[] }>;
  sha256: Record<string, string>;
  trained: boolean;
  source: string;
}

/** Tensors by official name (float32 values, row-major). */
export type TensorMap = Map<string, { shape: number[]; values: Float32Array }>;

export interface LoadedModel {
  manifest: ModelManifest;
  tensors: TensorMap;
}

export class ModelDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelDirectoryError";
  }
}

/** `count` floats at byte `offset` of the shards laid end to end: a view where one shard holds them aligned, else a copy. */
function tensorValues(shards: Uint8Array[], offset: number, count: number): Float32Array {
  let s = 0;
  while (s < shards.length - 1 && offset >= shards[s].length) offset -= shards[s++].length;
  const shard = shards[s];
  if (offset + 4 * count <= shard.length && (shard.byteOffset + offset) % 4 === 0)
    return new Float32Array(shard.buffer, shard.byteOffset + offset, count);
  const copy = new Uint8Array(4 * count);
  for (let filled = 0; filled < copy.length; s++, offset = 0) {
    const part = shards[s].subarray(offset, offset + copy.length - filled);
    copy.set(part, filled);
    filled += part.length;
  }
  return new Float32Array(copy.buffer);
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Checks the names and shapes against `required`; returns problems as readable lines. */
export function checkTensorSet(available: Map<string, number[]>, required: readonly TensorSpec[]): string[] {
  const problems: string[] = [];
  for (const spec of required) {
    const shape = available.get(spec.name);
    if (!shape) problems.push(`missing tensor ${spec.name} [${spec.shape.join(",")}]`);
    else if (!sameShape(shape, spec.shape))
      problems.push(`tensor ${spec.name} has shape [${shape.join(",")}], expected [${spec.shape.join(",")}]`);
  }
  return problems;
}

function parseManifest(text: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelDirectoryError(`model.json is not valid JSON: ${(error as Error).message}`);
  }
  const m = json as Partial<ModelManifest>;
  if (m?.format !== MODEL_FORMAT) throw new ModelDirectoryError(`model.json format must be "${MODEL_FORMAT}"`);
  if (!Array.isArray(m.weightsManifest) || m.weightsManifest.length === 0)
    throw new ModelDirectoryError("model.json has no weightsManifest");
  if (typeof m.trained !== "boolean") throw new ModelDirectoryError("model.json must say trained: true|false");
  if (!m.sha256 || typeof m.sha256 !== "object") throw new ModelDirectoryError("model.json has no sha256 map");
  return m as ModelManifest;
}

/**
 * Reads and verifies a model directory: manifest, every shard's sha-256 and size, every required
 * tensor's name and shape. Fails loudly (ModelDirectoryError) on anything wrong.
 * A group's shards are all requested at once (Static Assets answer each after a round trip) and
 * verified in order as they arrive. Tensors are views on the shards; only a tensor split between
 * two shards (or not 4-byte aligned in one) is copied. The shards are the only full copy of the
 * model in JS memory.
 */
export async function loadModelDirectory(
  readFile: (path: string) => Promise<Uint8Array>,
  required: readonly TensorSpec[] = requiredModelTensors(),
): Promise<LoadedModel> {
  const manifest = parseManifest(new TextDecoder().decode(await readFile("model.json")));
  const tensors: TensorMap = new Map();
  for (const group of manifest.weightsManifest) {
    const needed = group.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    const reads = group.paths.map((path) => readFile(path));
    // Awaited in order below; a later shard's failure must not go unhandled meanwhile.
    for (const read of reads) read.catch(() => {});
    const shards: Uint8Array[] = [];
    let filled = 0;
    for (const [i, path] of group.paths.entries()) {
      let bytes: Uint8Array;
      try {
        bytes = await reads[i];
      } catch (error) {
        throw new ModelDirectoryError(`shard ${path} cannot be read: ${(error as Error).message}`);
      }
      const expected = manifest.sha256[path];
      if (!expected) throw new ModelDirectoryError(`model.json has no sha256 for shard ${path}`);
      const actual = await sha256Hex(bytes);
      if (actual !== expected)
        throw new ModelDirectoryError(`shard ${path} is corrupt: sha-256 ${actual} does not match ${expected}`);
      if (filled + bytes.length > needed)
        throw new ModelDirectoryError(`shards hold more than the ${needed} bytes the manifest describes`);
      shards.push(bytes);
      filled += bytes.length;
    }
    if (filled !== needed)
      throw new ModelDirectoryError(`shards hold ${filled} bytes but the manifest describes ${needed}`);
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== "float32") throw new ModelDirectoryError(`tensor ${w.name} has dtype ${w.dtype}; only float32`);
      const count = w.shape.reduce((a, b) => a * b, 1);
      tensors.set(w.name, { shape: w.shape, values: tensorValues(shards, offset, count) });
      offset += count * 4;
    }
  }
  const problems = checkTensorSet(new Map([...tensors].map(([n, t]) => [n, t.shape])), required);
  if (problems.length > 0)
    throw new ModelDirectoryError(`model directory is incomplete: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ""}`);
  return { manifest, tensors };
}


/**
 * Serialises tensors (in the given order) into a model directory: returns the files to write
 * (model.json and shards of at most `shardBytes`).
 */
export async function buildModelDirectory(
  tensors: Array<{ name: string; shape: number[]; values: Float32Array }>,
  meta: { trained: boolean; source: string },
  shardBytes = DEFAULT_SHARD_BYTES,
): Promise<Map<string, Uint8Array>> {
  if (shardBytes > MAX_SHARD_BYTES || shardBytes % 4 !== 0) throw new RangeError("shard size must be ≤ 25 MiB, multiple of 4");
  const total = tensors.reduce((n, t) => n + t.values.byteLength, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.values.length) throw new RangeError(`tensor ${t.name}: shape does not match ${t.values.length} values`);
    all.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), at);
    at += t.values.byteLength;
  }
  const shardCount = Math.max(1, Math.ceil(total / shardBytes));
  const files = new Map<string, Uint8Array>();
  const paths: string[] = [];
  const sha256: Record<string, string> = {};
  for (let i = 0; i < shardCount; i++) {
    const path = `group1-shard${i + 1}of${shardCount}.bin`;
    const bytes = all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes));
    paths.push(path);
    sha256[path] = await sha256Hex(bytes);
    files.set(path, bytes);
  }
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    weightsManifest: [{ paths, weights: tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: "float32" })) }],
    sha256,
    trained: meta.trained,
    source: meta.source,
  };
  files.set("model.json", new TextEncoder().encode(JSON.stringify(manifest, null, 1)));
  return files;
}
