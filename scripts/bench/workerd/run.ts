/**
 * Runs one scripts/bench/workerd/<name>.in-workerd.ts in a fresh workerd process (vitest-pool-workers,
 * scripts/bench/workerd/vitest.config.ts) with `config` as its BENCH_CONFIG binding, and returns the
 * JSON it prints after `marker`.
 */
import { spawn } from "node:child_process";

export function runInWorkerd<T>(name: string, marker: string, config: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["vitest", "run", "--config", "scripts/bench/workerd/vitest.config.ts", `scripts/bench/workerd/${name}.in-workerd.ts`], {
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const tag = `${marker} `;
      const line = out.split("\n").find((l) => l.includes(tag));
      if (code !== 0 || !line) return reject(new Error(`workerd bench ${name} exited with ${code}:\n${out.slice(-3000)}`));
      resolve(JSON.parse(line.slice(line.indexOf(tag) + tag.length)) as T);
    });
  });
}
