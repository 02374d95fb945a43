/**
 * `npm run --silent cli -- index <dir|list.txt> --url http://127.0.0.1:8787 [--options JSON]
 *   [--state FILE] [--concurrency 2] [--api-key KEY] [--json]`
 * Indexes every image (.jpg .jpeg .png .webp) — or feature file (.json, as /v1/verify takes it) — of a
 * folder, or of a list file (one `path` or `id<TAB>path` per line), through a running service's
 * POST /v1/index. The id of a file is its path relative to the folder, with characters outside
 * [A-Za-z0-9._:-] replaced by "_". Resumable: each indexed id is appended to a state file
 * (default <dir>/.delf-index-state.jsonl or <list>.state.jsonl); a rerun skips them. A progress bar
 * goes to stderr; failures are listed at the end (exit code 1 if any).
 */
import { appendFile, readFile, readdir, stat } from "node:fs/promises";
import { dirname, extname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

const USAGE = "usage: cli index <dir|list.txt> --url URL [--options JSON] [--state FILE] [--concurrency N] [--api-key KEY] [--json]\n";
const IMAGE = new Set([".jpg", ".jpeg", ".png", ".webp"]);

export function idFor(path: string): string {
  return path.replace(/[^A-Za-z0-9._:-]/g, "_").slice(-128);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (IMAGE.has(extname(entry.name).toLowerCase()) || extname(entry.name).toLowerCase() === ".json") out.push(path);
  }
  return out;
}

async function itemsOf(source: string): Promise<{ items: Array<{ id: string; path: string }>; state: string }> {
  if ((await stat(source)).isDirectory()) {
    const files = await walk(source);
    return { items: files.map((path) => ({ id: idFor(relative(source, path)), path })), state: join(source, ".delf-index-state.jsonl") };
  }
  const lines = (await readFile(source, "utf8")).split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const items = lines.map((line) => {
    const [a, b] = line.split("\t");
    const path = resolve(dirname(source), b ?? a);
    return { id: b ? a : idFor(b ?? a), path };
  });
  return { items, state: `${source}.state.jsonl` };
}

function progress(done: number, total: number, failed: number, startedMs: number): void {
  if (!process.stderr.isTTY && done !== total && done % 50 !== 0) return;
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  const elapsed = (Date.now() - startedMs) / 1000;
  const eta = done ? (elapsed / done) * (total - done) : 0;
  const line = `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} failed ${failed} eta ${eta.toFixed(0)}s`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      options: { type: "string" },
      state: { type: "string" },
      concurrency: { type: "string", default: "2" },
      "api-key": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (positionals.length !== 1 || !values.url) {
    process.stderr.write(USAGE);
    return 2;
  }
  const options = values.options ? JSON.parse(values.options) : undefined;
  const { items, state: defaultState } = await itemsOf(positionals[0]);
  const statePath = values.state ?? defaultState;
  const done = new Set<string>();
  try {
    for (const line of (await readFile(statePath, "utf8")).split("\n")) if (line) done.add((JSON.parse(line) as { id: string }).id);
  } catch {
    // no state yet: a fresh run
  }
  const todo = items.filter((i) => !done.has(i.id));
  const headers: Record<string, string> = values["api-key"] ? { authorization: `Bearer ${values["api-key"]}` } : {};
  const failures: Array<{ id: string; path: string; status: number; error: unknown }> = [];
  let finished = 0;
  const started = Date.now();
  const base = values.url.replace(/\/$/, "");

  async function indexOne(item: { id: string; path: string }): Promise<void> {
    const bytes = await readFile(item.path);
    let res: Response;
    if (extname(item.path).toLowerCase() === ".json") {
      const body = { id: item.id, features: JSON.parse(bytes.toString("utf8")) };
      res = await fetch(`${base}/v1/index`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
    } else {
      const form = new FormData();
      form.append("id", item.id);
      form.append("image", new Blob([new Uint8Array(bytes)]), item.path);
      if (options) form.append("options", JSON.stringify(options));
      res = await fetch(`${base}/v1/index`, { method: "POST", headers, body: form });
    }
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.status !== 201) failures.push({ id: item.id, path: item.path, status: res.status, error: body?.error ?? body });
    else await appendFile(statePath, `${JSON.stringify({ id: item.id, numFeatures: body?.numFeatures })}\n`);
  }

  const queue = [...todo];
  const workers = Array.from({ length: Math.max(1, Number(values.concurrency)) }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      try {
        await indexOne(item);
      } catch (error) {
        failures.push({ id: item.id, path: item.path, status: 0, error: (error as Error).message });
      }
      progress(++finished, todo.length, failures.length, started);
    }
  });
  await Promise.all(workers);
  if (process.stderr.isTTY) process.stderr.write("\n");
  const summary = { total: items.length, skipped: items.length - todo.length, indexed: todo.length - failures.length, failed: failures, state: statePath };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(`indexed ${summary.indexed}, skipped ${summary.skipped} (already in ${statePath}), failed ${failures.length}\n`);
    for (const f of failures) process.stdout.write(`  ${f.id}: ${f.status} ${JSON.stringify(f.error)}\n`);
  }
  return failures.length ? 1 : 0;
}
