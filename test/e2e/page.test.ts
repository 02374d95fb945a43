// The web page in a real browser: Debian's chromium driven by playwright-core (no browser download).
// Starts `wrangler dev` (synthetic weights, as `npm run dev`), uploads two views of one scene (one
// larger than the service accepts, so the page scales it down first), presses Match, and checks that
// the picture appears with a non-zero inlier count.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import encodePng, { init as initPngEncoder } from "@jsquash/png/encode.js";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node";
import { crop, scene, toRgba } from "../shared/synthetic-images";
import type { Pixels } from "../../src/types";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PORT = 8797;
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the browser test: ${CHROMIUM} not found (apt-get install chromium)`);

async function png(p: Pixels): Promise<Uint8Array> {
  await initPngEncoder((await loadNodeWasmModules()).pngDecoder);
  return new Uint8Array(await encodePng(toRgba(p) as unknown as ImageData));
}

describe.skipIf(!haveChromium)("web page in headless Chromium", () => {
  let server: ChildProcess;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "delf-e2e-"));
    // Image 1 is above the service's pixel limit: the page must scale it down before upload.
    const s = scene(1400, 1200);
    await writeFile(join(dir, "a.png"), await png(crop(s, 100, 100, 1200, 1000)));
    await writeFile(join(dir, "b.png"), await png(crop(s, 300, 260, 900, 750)));
    server = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(PORT), "--var", "MODEL_FALLBACK:synthetic:1"], {
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("wrangler dev did not start in 120 s")), 120_000);
      const watch = (chunk: Buffer) => {
        if (chunk.toString().includes("Ready on")) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout!.on("data", watch);
      server.stderr!.on("data", watch);
      server.on("exit", (code) => reject(new Error(`wrangler dev exited with ${code}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (server?.pid) process.kill(-server.pid, "SIGTERM");
  });

  it("upload two images, press Match, see the picture and a non-zero inlier count", async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await expect.poll(() => page.locator("#banner").textContent(), { timeout: 120_000 }).toMatch(/Synthetic weights/);
    expect(await page.locator("#key").isVisible()).toBe(false); // no API key configured: no key field
    await page.setInputFiles("#image1", join(dir, "a.png"));
    await page.setInputFiles("#image2", join(dir, "b.png"));
    await page.click("#match");
    await page.waitForSelector("#figure svg line.inlier", { timeout: 240_000 });
    const inliers = Number(await page.locator("#inliers").textContent());
    expect(inliers).toBeGreaterThan(0);
    expect(await page.locator("#figure svg image").count()).toBe(2);
    expect(await page.locator("#figure svg line.inlier").count()).toBe(inliers);
    await page.screenshot({ path: join(dir, "page.png"), fullPage: true });
    console.log(`e2e: ${inliers} inliers; screenshot ${join(dir, "page.png")}`);
  });
});
