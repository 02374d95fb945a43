// Image pipeline benchmark: `npm run --silent bench -- images`.
// Decode and fit timings for synthetic photos-like images of several sizes, in Node (same code as the Worker).
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { decodeImage } from "../../src/image/decode";
import { fitImage } from "../../src/image/fit";
import { toJpeg, toPng, toWebp, type Rgba } from "../../test/node/image/fixtures";

function photoLike(width: number, height: number): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = 128 + 100 * Math.sin(x / 37) * Math.cos(y / 53);
      data[i + 1] = (x * 7 + y * 3) & 255;
      data[i + 2] = 128 + 60 * Math.sin((x + y) / 11);
      data[i + 3] = 255;
    }
  return { width, height, data };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

async function time(f: () => unknown): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

export async function run(): Promise<number> {
  const modules = await loadNodeWasmModules();
  const rows: string[] = ["| image | bytes | decode ms | fit 256 ms | fit maxSide 1024 ms | RSS after (MB) |", "|---|---|---|---|---|---|"];
  for (const [w, h] of [[640, 480], [2000, 1500], [4032, 3024]] as const) {
    const image = photoLike(w, h);
    for (const [type, encode] of [["jpeg", () => toJpeg(image, 90)], ["png", () => toPng(image)], ["webp", () => toWebp(image, false)]] as const) {
      if (type !== "jpeg" && w > 2000) continue; // encoding these takes long and adds nothing
      const bytes = await encode();
      const decodeMs: number[] = [], fitMs: number[] = [], maxMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        let pixels!: Awaited<ReturnType<typeof decodeImage>>["pixels"];
        decodeMs.push(await time(async () => ({ pixels } = await decodeImage(bytes, modules))));
        fitMs.push(await time(() => fitImage(pixels, 256)));
        maxMs.push(await time(() => fitImage(pixels, { maxSide: 1024 })));
      }
      const rss = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
      rows.push(`| ${type} ${w}×${h} | ${bytes.length} | ${median(decodeMs).toFixed(1)} | ${median(fitMs).toFixed(1)} | ${median(maxMs).toFixed(1)} | ${rss} |`);
      console.error(rows.at(-1));
    }
  }
  console.log(rows.join("\n"));
  return 0;
}
