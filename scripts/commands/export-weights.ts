/**
 * `export-weights --weights synthetic:SEED --out DIR`: writes the synthetic model as a model
 * directory (model.json + float32 shards, trained: false), the format the loader reads.
 */
import { parseArgs } from "node:util";
import { buildModelDirectory } from "../../src/model/model-directory";
import { writeModelDirectoryToDisk } from "../../src/model/model-directory.node.js";
import { parseSyntheticSpec, syntheticModelTensors } from "../../src/delf/synthetic";

const USAGE = "usage: export-weights --weights synthetic:SEED --out DIR\n";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { weights: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } } });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const seed = values.weights ? parseSyntheticSpec(values.weights) : null;
  if (seed === null || !values.out) {
    process.stderr.write(USAGE);
    return 2;
  }
  const files = await buildModelDirectory(syntheticModelTensors(seed), { trained: false, source: `synthetic:${seed}` });
  await writeModelDirectoryToDisk(values.out, files);
  process.stderr.write(`wrote ${files.size} files to ${values.out}\n`);
  return 0;
}
