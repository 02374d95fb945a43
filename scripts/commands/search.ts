/**
 * `npm run --silent cli -- search <image|features.json> --url http://127.0.0.1:8787 [--options JSON]
 *   [--api-key KEY] [--json]`
 * Searches a running service's index (POST /v1/search) and prints the ranked results:
 * rank, id, inliers, score (or the whole response with --json).
 */
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { parseArgs } from "node:util";

const USAGE = "usage: cli search <image|features.json> --url URL [--options JSON] [--api-key KEY] [--json]\n";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: "string" }, options: { type: "string" }, "api-key": { type: "string" }, json: { type: "boolean", default: false } },
  });
  if (positionals.length !== 1 || !values.url) {
    process.stderr.write(USAGE);
    return 2;
  }
  const headers: Record<string, string> = values["api-key"] ? { authorization: `Bearer ${values["api-key"]}` } : {};
  const bytes = await readFile(positionals[0]);
  const options = values.options ? JSON.parse(values.options) : undefined;
  let res: Response;
  const url = `${values.url.replace(/\/$/, "")}/v1/search`;
  if (extname(positionals[0]).toLowerCase() === ".json") {
    const body = { features: JSON.parse(bytes.toString("utf8")), ...(options ? { options } : {}) };
    res = await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
  } else {
    const form = new FormData();
    form.append("image", new Blob([new Uint8Array(bytes)]), basename(positionals[0]));
    if (options) form.append("options", JSON.stringify(options));
    res = await fetch(url, { method: "POST", headers, body: form });
  }
  const result = (await res.json()) as { results: Array<{ id: string; score: number; numInliers: number }>; numCandidates: number; timingsMs: { total: number } };
  if (!res.ok) {
    process.stderr.write(`${JSON.stringify(result)}\n`);
    return 1;
  }
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    result.results.forEach((r, i) => process.stdout.write(`${String(i + 1).padStart(3)}  ${r.id}  ${r.numInliers} inliers  score ${r.score.toFixed(4)}\n`));
    process.stdout.write(`${result.results.length} results of ${result.numCandidates} candidates in ${result.timingsMs.total.toFixed(0)} ms\n`);
  }
  return 0;
}
