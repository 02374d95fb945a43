/**
 * `wrangler dev` for benchmarks: a snapshot of the sources (wrangler dev reloads the Worker when a source
 * file changes, so a bench runs a copy), wrangler commands, and a dev server started in its own process
 * group, its log appended to a file.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, cp, rm, symlink } from "node:fs/promises";
import { resolve } from "node:path";

export const WRANGLER_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/** Copies `paths` (relative to the repository) into `dir`, with node_modules linked. */
export async function snapshotSources(dir: string, paths: string[]): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const path of paths) await cp(path, `${dir}/${path}`, { recursive: true });
  await symlink(resolve("node_modules"), `${dir}/node_modules`);
}

export function wrangler(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["wrangler", ...args], { env: WRANGLER_ENV, stdio: ["ignore", "ignore", "inherit"] });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args[0]} exited ${code}`))));
  });
}

/** Starts `wrangler dev --config config` on 127.0.0.1:port and resolves once it says "Ready on". */
export async function startWranglerDev(config: string, port: number, state: string, logFile: string, extraArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn("npx", ["wrangler", "dev", "--config", config, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, ...extraArgs], {
    env: WRANGLER_ENV,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  const keep = (d: Buffer) => {
    log += d;
    void appendFile(logFile, d);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 250 * (i < 40 ? 1 : 4)));
    if (/Ready on/.test(log)) return child;
    if (child.exitCode !== null) break;
  }
  await stopWranglerDev(child);
  throw new Error(`wrangler dev did not start:\n${log.slice(-2000)}`);
}

/** Stops a dev server started by startWranglerDev (its whole process group) and waits for it to exit. */
export async function stopWranglerDev(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid!, "SIGTERM");
  await exited;
}
