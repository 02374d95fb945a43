/** Node file adapter for tensor bundles: a checkpoint prefix, a SavedModel dir or a hub module dir → bytes. */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { dataFileName, readBundleIndex, type BundleIndex } from "./bundle";
import { CheckpointError } from "./errors";

export interface LoadedBundle {
  prefix: string;
  index: BundleIndex;
  shards: Uint8Array[];
}

const isDirectory = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);

/**
 * `path` may be a checkpoint prefix (`…/variables/variables`, `…/model.ckpt-123`), its `.index` file, or a
 * directory holding `variables/variables.index` (SavedModel, TF1 hub module).
 */
export async function resolveCheckpointPrefix(path: string): Promise<string> {
  if (path.endsWith(".index")) return path.slice(0, -".index".length);
  if (await isDirectory(path)) {
    const prefix = join(path, "variables", "variables");
    if (await stat(`${prefix}.index`).then(() => true, () => false)) return prefix;
    throw new CheckpointError("missing", `${path} is a directory without variables/variables.index (not a SavedModel or hub module)`);
  }
  return path;
}

async function readRequired(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new CheckpointError("missing", `${what} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

export async function readBundleFromDisk(path: string): Promise<LoadedBundle> {
  const prefix = await resolveCheckpointPrefix(path);
  const index = readBundleIndex(await readRequired(`${prefix}.index`, "checkpoint index"));
  const shards: Uint8Array[] = [];
  for (let i = 0; i < index.header.numShards; i++)
    shards.push(await readRequired(dataFileName(prefix, i, index.header.numShards), "checkpoint data shard"));
  return { prefix, index, shards };
}
