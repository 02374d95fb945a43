/** Node: a directory (SavedModel, hub module, extracted archive) as ModelFiles, read lazily. */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelFiles } from "./model-files";

export async function readDirectoryFiles(dir: string): Promise<ModelFiles> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.replace(/\/+$/, "").length + 1).split("\\").join("/"));
  return { description: dir, paths, read: async (path) => new Uint8Array(await readFile(join(dir, path))) };
}
