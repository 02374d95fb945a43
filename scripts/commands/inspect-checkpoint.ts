/**
 * `npm run --silent cli -- inspect-checkpoint <variables prefix | SavedModel dir | hub module dir> [--values] --json`
 * Lists every tensor of any TensorFlow checkpoint: {"tensors":[{"name","dtype","shape","crc32cOk","values"?}]}.
 * Values (with --values) are plain numbers (int64 beyond 2^53 as decimal strings, bool as 0/1); string tensors
 * give their elements as UTF-8 text.
 */
import { parseArgs } from "node:util";
import { checkTensor, readTensorValues } from "../../src/checkpoint/bundle.js";
import { readBundleFromDisk } from "../../src/checkpoint/bundle.node.js";
import { dtypeName } from "../../src/checkpoint/dtypes.js";
import { CheckpointError } from "../../src/checkpoint/errors.js";

const USAGE = `usage: npm run --silent cli -- inspect-checkpoint <variables prefix | SavedModel dir | hub module dir> [--values] --json\n`;

export interface InspectedTensor {
  name: string;
  dtype: string;
  shape: number[];
  crc32cOk: boolean;
  values?: Array<number | string>;
  error?: string;
}

export async function inspectCheckpoint(path: string, withValues: boolean): Promise<{ numShards: number; tensors: InspectedTensor[] }> {
  const { index, shards } = await readBundleFromDisk(path);
  const tensors = index.tensors.map((t): InspectedTensor => {
    const row: InspectedTensor = { name: t.name, dtype: dtypeName(t.dtype), shape: t.shape, crc32cOk: false };
    try {
      row.crc32cOk = checkTensor(t, shards);
      if (withValues && row.crc32cOk) row.values = readTensorValues(index, t, shards);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      row.error = error.message;
    }
    return row;
  });
  return { numShards: index.header.numShards, tensors };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { values: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help || positionals.length !== 1) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  let result;
  try {
    result = await inspectCheckpoint(positionals[0], values.values ?? false);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    process.stderr.write(`inspect-checkpoint: ${error.message}\n`);
    return 1;
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ tensors: result.tensors })}\n`);
  else
    for (const t of result.tensors)
      process.stdout.write(`${t.crc32cOk ? "ok " : "BAD"} ${t.name} ${t.dtype}[${t.shape.join(",")}]${t.values ? ` ${JSON.stringify(t.values.slice(0, 8))}` : ""}${t.error ? ` (${t.error})` : ""}\n`);
  return result.tensors.every((t) => t.crc32cOk) ? 0 : 1;
}
