/**
 * `npm run --silent cli -- import-model <archive.tar.gz | SavedModel dir | hub module dir> [--out DIR]`
 * Official DELF weights → model directory (model.json + float32 shards, sha-256 each, trained: true).
 * Progress on stderr; a JSON summary (unused keys, PCA source, UNCONFIRMED graph facts) on stdout.
 */
import { stat, readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { readArchive } from "../../src/checkpoint/archive.node.js";
import { importDelf, type DelfImport } from "../../src/checkpoint/delf-import.js";
import { readDirectoryFiles } from "../../src/checkpoint/directory.node.js";
import { CheckpointError } from "../../src/checkpoint/errors.js";
import type { ModelFiles } from "../../src/checkpoint/model-files.js";
import { buildModelDirectory } from "../../src/model/model-directory.js";
import { loadModelDirectoryFromDisk, writeModelDirectoryToDisk } from "../../src/model/model-directory.node.js";

export const DEFAULT_MODEL_DIR = "model-assets/model";

const USAGE = `usage: npm run --silent cli -- import-model <archive.tar.gz | SavedModel dir | hub module dir | extracted archive dir> [--out DIR]
  --out DIR   model directory to write (default ${DEFAULT_MODEL_DIR}; the Worker serves it from there)
`;

/** Opens any accepted input as ModelFiles. */
export async function openImportSource(input: string): Promise<ModelFiles> {
  const info = await stat(input).catch(() => null);
  if (info?.isDirectory()) return readDirectoryFiles(input);
  if (info?.isFile()) return readArchive(input);
  throw new CheckpointError("missing", `${input} does not exist`);
}

/** Removes a previous model's files from `dir` so no stale shard is deployed next to the new ones. */
async function clearModelFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names)
    if (name === "model.json" || /^group\d+-shard\d+of\d+\.bin$/.test(name)) await rm(join(dir, name));
}

export async function importModel(input: string, out: string, progress: (m: string) => void): Promise<{ result: DelfImport; files: number }> {
  progress(`opening ${input}`);
  const source = await openImportSource(input);
  const result = await importDelf(source, progress);
  progress(`writing the model directory ${out}`);
  const files = await buildModelDirectory(result.tensors, {
    trained: true,
    source: `${basename(source.description)}: checkpoint ${result.checkpointPrefix}; PCA ${result.pca.source}`,
  });
  await clearModelFiles(out);
  await writeModelDirectoryToDisk(out, files);
  progress("verifying the written model directory");
  await loadModelDirectoryFromDisk(out);
  return { result, files: files.size };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help || positionals.length !== 1) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  const out = values.out ?? DEFAULT_MODEL_DIR;
  const progress = (m: string) => process.stderr.write(`import-model: ${m}\n`);
  try {
    const { result, files } = await importModel(positionals[0], out, progress);
    if (result.unusedKeys.length > 0) progress(`unused checkpoint keys (${result.unusedKeys.length}): ${result.unusedKeys.join(", ")}`);
    progress(`done: ${result.tensors.length} tensors in ${files - 1} shard(s) + model.json → ${out}`);
    const summary = {
      out,
      tensors: result.tensors.length,
      values: result.tensors.reduce((n, t) => n + t.values.length, 0),
      unusedKeys: result.unusedKeys,
      checkpointPrefix: result.checkpointPrefix,
      keyPrefix: result.keyPrefix,
      savedModel: result.savedModelPath,
      hubModuleFormat: result.hubModuleFormat,
      pca: result.pca,
      graph: result.graph,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CheckpointError) {
      process.stderr.write(`import-model: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
