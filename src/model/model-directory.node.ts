/** Node file-system adapters for model directories (CLI, tests, benchmarks). */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadModelDirectory, type LoadedModel } from "./model-directory";

export function loadModelDirectoryFromDisk(dir: string): Promise<LoadedModel> {
  return loadModelDirectory(async (path) => new Uint8Array(await readFile(join(dir, path))));
}

export async function writeModelDirectoryToDisk(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [path, bytes] of files) await writeFile(join(dir, path), bytes);
}
