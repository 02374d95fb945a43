/**
 * `extract <image> --weights <dir|synthetic:SEED> [--scales a,b,c] [--threshold T]
 *  [--max-features N] [--iou X] [--fit 256|none] --json`
 * Prints {"image":{width,height},"processed":{width,height},"locations":[[x,y],…],"scales":[…],
 * "scores":[…],"descriptors":[[40 floats],…],"trained":bool}. Locations are [x, y] in pixels of the
 * ORIGINAL image (the fit's crop and resize undone); with --fit none they are DELF's (y, x) swapped.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { startRuntime } from "../../src/runtime/start";
import { decodeAndFit } from "../../src/image/decode-fit";
import type { Fit } from "../../src/image/fit";
import { IMAGE_LIMITS } from "../../src/service/extract-image";
import { loadDelfModel } from "../../src/delf/load.node.js";
import { extractDelfFeatures } from "../../src/delf/extract";
import type { ExtractOptions } from "../../src/delf/options";

const USAGE =
  "usage: extract <image.png|jpg|webp> --weights <dir|synthetic:SEED> [--scales a,b,c] [--threshold T]\n" +
  "       [--max-features N] [--iou X] [--fit 256|none] --json\n";

class UsageError extends Error {}

function number(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${text}"`);
  return value;
}

function parseFit(text: string | undefined): Fit {
  if (text === undefined || text === "256") return 256;
  if (text === "none") return "none";
  throw new UsageError(`--fit must be 256 or none, got "${text}"`);
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        weights: { type: "string" },
        scales: { type: "string" },
        threshold: { type: "string" },
        "max-features": { type: "string" },
        iou: { type: "string" },
        fit: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let options: Partial<ExtractOptions>;
  let fit: Fit;
  try {
    if (positionals.length !== 1 || !values.weights) throw new UsageError("need exactly one image and --weights");
    options = {};
    if (values.scales !== undefined) options.scales = values.scales.split(",").map((s) => number("scales", s)!);
    if (values.threshold !== undefined) options.scoreThreshold = number("threshold", values.threshold);
    if (values["max-features"] !== undefined) options.maxFeatures = number("max-features", values["max-features"]);
    if (values.iou !== undefined) options.iouThreshold = number("iou", values.iou);
    fit = parseFit(values.fit);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}`);
    return 2;
  }

  const modules = await loadNodeWasmModules();
  await startRuntime(modules);
  // The service's path and limits: large photos are decoded at reduced size, as in the Worker.
  const { fitted, originalWidth, originalHeight } = await decodeAndFit(new Uint8Array(await readFile(positionals[0])), fit, modules, IMAGE_LIMITS);
  const model = await loadDelfModel(values.weights!);
  try {
    const f = await extractDelfFeatures(model, fitted.pixels, options);
    const locations: Array<[number, number]> = [];
    for (let i = 0; i < f.count; i++) {
      const [y, x] = [f.locations[2 * i], f.locations[2 * i + 1]];
      locations.push(fit === "none" ? [x, y] : fitted.toOriginal(x, y));
    }
    const result = {
      image: { width: originalWidth, height: originalHeight },
      processed: { width: fitted.pixels.width, height: fitted.pixels.height },
      locations,
      scales: Array.from(f.scales),
      scores: Array.from(f.scores),
      descriptors: Array.from({ length: f.count }, (_, i) => Array.from(f.descriptors.subarray(i * f.dim, (i + 1) * f.dim))),
      trained: model.trained,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!values.json) process.stderr.write(`${f.count} features (${model.source}, trained: ${model.trained})\n`);
    return 0;
  } finally {
    model.dispose();
  }
}
