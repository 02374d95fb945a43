/**
 * `npm run --silent cli -- match <img1> <img2> [--url http://127.0.0.1:8787] [--weights DIR|synthetic:SEED]
 *   [--options '<json>'] [--svg out.svg] [--api-key KEY] [--json]`
 * Calls a running service with --url (through Hono's typed client), otherwise runs the same app
 * in-process (default weights synthetic:1, which the output says).
 */
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { hc } from "hono/client";
import type { AppType } from "../../src/index";

const USAGE =
  "usage: cli match <image1> <image2> [--url URL] [--weights DIR|synthetic:SEED] [--options JSON] [--svg out.svg] [--api-key KEY] [--json]\n";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      weights: { type: "string", default: "synthetic:1" },
      options: { type: "string" },
      svg: { type: "string" },
      "api-key": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length !== 2) {
    process.stderr.write(USAGE);
    return 2;
  }
  let base = values.url;
  let fetchImpl: typeof fetch = fetch;
  if (!base) {
    const { createApp } = await import("../../src/http/app");
    const { nodePlatform } = await import("../../src/node-platform");
    const app = createApp(nodePlatform(values.weights!));
    base = "http://in-process";
    fetchImpl = async (input, init) => app.fetch(new Request(input as string, init));
  }
  const client = hc<AppType>(base, {
    fetch: fetchImpl,
    headers: values["api-key"] ? { authorization: `Bearer ${values["api-key"]}` } : undefined,
  });
  const images = await Promise.all(positionals.map(async (path) => new File([new Uint8Array(await readFile(path))], basename(path))));
  const call = (format: "json" | "svg") =>
    client.v1.match.$post({
      query: { format },
      // Options first: the service then decodes image 1 before reading image 2 (one file in memory at a time).
      form: { options: values.options ?? "{}", image1: images[0], image2: images[1] },
    } as never);

  const res = await call("json");
  const result = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    process.stderr.write(`${JSON.stringify(result)}\n`);
    return 1;
  }
  if (values.svg) {
    const svg = await call("svg");
    if (!svg.ok) {
      process.stderr.write(`${await svg.text()}\n`);
      return 1;
    }
    await writeFile(values.svg, await svg.text());
  }
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const model = result.model as { trained: boolean; source: string };
    process.stdout.write(
      `${result.numInliers} inliers of ${result.numPutative} putative matches ` +
        `(model ${model.source}${model.trained ? "" : ", SYNTHETIC weights: not DELF quality"})\n`,
    );
  }
  return 0;
}
