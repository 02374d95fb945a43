/**
 * One workerd process running several copies of the app, each its own isolate (Miniflare's `workers`):
 * how a cold isolate starts in production, inside a workerd process that is already running, rather
 * than in a fresh process as `wrangler dev` starts one.
 * The copies run the app's deploy bundle (`wrangler deploy --dry-run --outdir`) with the bindings and
 * Static Assets of its wrangler.toml (wrangler's own translation, `unstable_getMiniflareWorkerOptions`).
 * Each copy gets its own wasm bytes (a custom section naming the copy appended to every module), so
 * no isolate reuses code that V8 compiled or optimised for another: each compiles and tiers up on its
 * own, as on a machine where the Worker never ran.
 */
import { cp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Miniflare } from "miniflare";
import protobuf from "protobufjs/minimal.js";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { wrangler } from "./dev-server";

export interface IsolatesServer {
  names: string[];
  /** A request to one copy's isolate. */
  fetch(name: string, path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

/**
 * `wasm` with a custom section (id 0) named `name` appended: a valid module with other bytes. The
 * section's size and the name's length are unsigned LEB128, protobuf's varint (protobufjs's Writer).
 */
export function withCustomSection(wasm: Uint8Array, name: string): Uint8Array<ArrayBuffer> {
  const body = protobuf.Writer.create().bytes(new TextEncoder().encode(name)).finish();
  const section = protobuf.Writer.create().uint32(0).bytes(body).finish();
  const out = new Uint8Array(wasm.length + section.length);
  out.set(wasm);
  out.set(section, wasm.length);
  return out;
}

/** Bundles the app of `config` into `dir`, then one copy of the bundle per isolate, each with distinct wasm bytes. */
async function bundleCopies(config: string, dir: string, copies: number): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  // An absolute --outdir: wrangler reads a relative one from the config's folder.
  await wrangler(["deploy", "--dry-run", "--config", config, "--outdir", resolve(dir, "bundle")]);
  const names: string[] = [];
  for (let i = 0; i < copies; i++) {
    const name = `isolate-${i + 1}`;
    await cp(`${dir}/bundle`, `${dir}/${name}`, { recursive: true });
    for (const file of await readdir(`${dir}/${name}`)) {
      if (file.endsWith(".wasm")) await writeFile(`${dir}/${name}/${file}`, withCustomSection(await readFile(`${dir}/${name}/${file}`), name));
    }
    names.push(name);
  }
  return names;
}

/** Starts one workerd with `copies` isolates of the app in `config`; storage persisted under `state`. */
export async function startIsolatesServer(config: string, dir: string, state: string, copies: number): Promise<IsolatesServer> {
  const names = await bundleCopies(config, dir, copies);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  // A queue has one consumer: the copies produce only (the bench sends no queue messages).
  const { queueConsumers: _consumers, ...options } = workerOptions as typeof workerOptions & { queueConsumers?: unknown };
  const mf = new Miniflare({
    defaultPersistRoot: state,
    workers: names.map((name) => ({ ...options, name, modules: true, scriptPath: `${dir}/${name}/index.js` })),
  });
  await mf.ready;
  return {
    names,
    async fetch(name, path, init) {
      // Node's own Request encodes the body (Miniflare's fetch would send Node's FormData as text).
      const request = new Request(`http://localhost${path}`, init);
      const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => (headers[key] = value));
      const worker = await mf.getWorker(name);
      const response = await worker.fetch(request.url, { method: request.method, headers, body });
      return new Response(await response.arrayBuffer(), { status: response.status, statusText: response.statusText });
    },
    dispose: () => mf.dispose(),
  };
}
