/**
 * Writes the malformed-request corpus (test/shared/fuzz-corpus.ts) to a folder, so it can be
 * replayed against any running service (curl, another fuzzer) or inspected:
 *   npx tsx scripts/fuzz-corpus.ts --out tmp/fuzz [--seed 1]
 * One `<id>.body` per request (raw bytes) and an `index.json` with method, path, headers and the
 * expectation of every request. The workerd test (test/workerd/reliability/fuzz.test.ts) sends the
 * same corpus to the Worker.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultFuzzSeeds, fuzzCorpus } from "../test/shared/fuzz-corpus";

const { values } = parseArgs({ options: { out: { type: "string" }, seed: { type: "string", default: "1" } } });
if (!values.out) {
  process.stderr.write("usage: npx tsx scripts/fuzz-corpus.ts --out <folder> [--seed N]\n");
  process.exit(2);
}
const seed = Number(values.seed);
if (!Number.isInteger(seed) || seed < 0) {
  process.stderr.write("--seed must be a non-negative integer\n");
  process.exit(2);
}
const corpus = fuzzCorpus(defaultFuzzSeeds(), seed);
await mkdir(values.out, { recursive: true });
const index = [];
for (const c of corpus) {
  const file = `${c.id.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120)}.body`;
  if (c.body) await writeFile(join(values.out, file), c.body);
  index.push({ id: c.id, category: c.category, method: c.method, path: c.path, headers: c.headers, body: c.body ? file : null, expect: c.expect });
}
await writeFile(join(values.out, "index.json"), JSON.stringify(index, null, 1));
const byCategory = new Map<string, number>();
for (const c of corpus) byCategory.set(c.category, (byCategory.get(c.category) ?? 0) + 1);
process.stdout.write(`${corpus.length} requests written to ${values.out}\n`);
for (const [category, n] of [...byCategory].sort()) process.stdout.write(`  ${category.padEnd(20)} ${n}\n`);
