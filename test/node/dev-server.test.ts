/**
 * `npm run dev` runs wrangler 4.86 with patches/wrangler+4.86.0.patch, applied by patch-package at
 * `npm install` (cloudflare/workers-sdk#14191). Unpatched, its DevTools proxy enables workerd's
 * Network domain for good, and every body chunk of the 39 MiB of model shards becomes a debug-log
 * write in wrangler's Node process: a fresh dev server's first request took 2–3× the next ones
 * (docs/BENCHMARKS.md). This fails when the install skipped the patch.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const proxySource = () =>
  readFileSync(new URL("../../node_modules/wrangler/wrangler-dist/InspectorProxyWorker.js", import.meta.url), "utf8");

describe("wrangler's DevTools proxy (npm run dev)", () => {
  it("enables workerd's Network domain only while a DevTools client is attached", () => {
    const source = proxySource();
    const enables = [...source.matchAll(/method: "Network\.enable"/g)];
    expect(enables).toHaveLength(1);
    expect(source.slice(0, enables[0].index)).toMatch(/if \(this\.websockets\.devtools !== void 0\) \{\s*this\.sendRuntimeMessage\(\s*\{ $/);
  });

  it("disables it again when the DevTools client leaves", () => {
    expect(proxySource()).toMatch(/method: "Debugger\.disable"\s*\}\);[\s\S]{0,200}method: "Network\.disable"/);
  });
});
