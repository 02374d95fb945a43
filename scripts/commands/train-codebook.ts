/**
 * `npm run --silent cli -- train-codebook <descriptors.f32> [--words 4096] [--iterations 25] [--seed 0]
 *   [--dim 40] [--out model-assets/codebook]`
 * Seeded k-means over raw little-endian float32 rows (e.g. ../shared/data/retrieval/train/descriptors.f32,
 * disjoint from every evaluation image). Writes <out>/codebook.bin (format: src/retrieval/core/codebook.ts)
 * and <out>/codebook.sha256 ("<hex>  codebook.bin"), then prints {"numWords","dim","sha256",...} as JSON.
 * Same input and flags → byte-identical output. Exit codes: 0 ok, 2 usage.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadKernelsInNode } from "../../src/match/node-kernels";
import { trainKMeans } from "../../src/retrieval/core/kmeans";
import { serialiseCodebook } from "../../src/retrieval/core/codebook";
import { sha256Hex } from "../../src/bytes";

const USAGE =
  "usage: npm run --silent cli -- train-codebook <descriptors.f32> [--words 4096] [--iterations 25] [--seed 0]\n" +
  "  [--dim 40] [--out model-assets/codebook]\n";

function integerFlag(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min} (got ${value})`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        words: { type: "string", default: "4096" },
        iterations: { type: "string", default: "25" },
        seed: { type: "string", default: "0" },
        dim: { type: "string", default: "40" },
        out: { type: "string", default: "model-assets/codebook" },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  let numWords: number, iterations: number, seed: number, dim: number;
  try {
    numWords = integerFlag(values.words, "--words", 1);
    iterations = integerFlag(values.iterations, "--iterations", 1);
    seed = integerFlag(values.seed, "--seed", 0);
    dim = integerFlag(values.dim, "--dim", 1);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const raw = await readFile(positionals[0]);
  if (raw.byteLength % (4 * dim) !== 0) {
    process.stderr.write(`${positionals[0]}: ${raw.byteLength} bytes is not a whole number of ${dim}-float rows\n`);
    return 2;
  }
  const count = raw.byteLength / (4 * dim);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(4 * i, true);
  if (numWords > count) {
    process.stderr.write(`--words ${numWords} exceeds the ${count} training rows\n`);
    return 2;
  }
  const k = await loadKernelsInNode();
  const started = performance.now();
  const result = trainKMeans(k, data, count, dim, {
    numWords, iterations, seed,
    onIteration: ({ iteration, changed, meanSquaredDistance, emptyClusters }) =>
      process.stderr.write(`iteration ${iteration}/${iterations}: ${changed} changed, mse ${meanSquaredDistance.toFixed(6)}, ${emptyClusters} empty\n`),
  });
  const bytes = serialiseCodebook(result.centroids, numWords, dim);
  const sha256 = await sha256Hex(bytes);
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, "codebook.bin"), bytes);
  await writeFile(join(values.out, "codebook.sha256"), `${sha256}  codebook.bin\n`);
  process.stdout.write(`${JSON.stringify({
    numWords, dim, sha256, trainingRows: count, seed, iterations: result.iterations,
    meanSquaredDistance: result.meanSquaredDistance, seconds: (performance.now() - started) / 1000,
  })}\n`);
  return 0;
}
