/**
 * `npm run --silent cli -- verify <features1.json> <features2.json> [--seed N] [--trials full|adaptive]
 *   [--max-trials N] [--distance 0.8] [--residual 20] [--matcher nn|mnn|ratio|mnn-ratio] [--ratio R]
 *   [--model affine|homography] [--json]`
 * Each file is {"locations":[[x,y],...],"descriptors":[[...],...]}. With --json prints exactly
 * {"putative":[[i1,i2],...],"inliers":[...],"numInliers":K,"transform":[[a,b,c],[d,e,f],[0,0,1]]|null,
 *  "timingsMs":{"match":...,"ransac":...}}; the transform maps image-1 [x,y] to image-2 [x,y].
 * Exit codes: 0 ok, 2 usage / invalid options or features.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { loadKernelsInNode } from "../../src/match/node-kernels";
import { matchAndVerify, type FeatureSet, type MatchOptionsInput } from "../../src/match/index";

const USAGE =
  "usage: npm run --silent cli -- verify <features1.json> <features2.json> [--seed N] [--trials full|adaptive]\n" +
  "  [--max-trials N] [--distance 0.8] [--residual 20] [--matcher nn|mnn|ratio|mnn-ratio] [--ratio R]\n" +
  "  [--model affine|homography] [--json]\n";

class UsageError extends Error {}

/** A verify input file → FeatureSet (locations [x, y] → internal (y, x)). */
export function parseFeatureFile(text: string, name: string): FeatureSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${name}: not valid JSON`);
  }
  const { locations, descriptors } = (json ?? {}) as { locations?: unknown; descriptors?: unknown };
  if (!Array.isArray(locations) || !Array.isArray(descriptors) || locations.length !== descriptors.length) {
    throw new UsageError(`${name}: needs "locations" and "descriptors" arrays of equal length`);
  }
  const count = locations.length;
  const dim = count > 0 && Array.isArray(descriptors[0]) ? descriptors[0].length : 0;
  const loc = new Float32Array(count * 2);
  const desc = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const p = locations[i] as unknown;
    const d = descriptors[i] as unknown;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === "number")) {
      throw new UsageError(`${name}: locations[${i}] must be [x, y]`);
    }
    if (!Array.isArray(d) || d.length !== dim || !d.every((v) => typeof v === "number")) {
      throw new UsageError(`${name}: descriptors[${i}] must be ${dim} numbers`);
    }
    loc[2 * i] = p[1];
    loc[2 * i + 1] = p[0];
    desc.set(d as number[], i * dim);
  }
  return { count, dim, descriptors: desc, locations: loc };
}

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number (got ${value})`);
  return n;
}

function optionsFrom(values: Record<string, string | boolean | undefined>): MatchOptionsInput {
  const options: MatchOptionsInput = {};
  const ransac: NonNullable<MatchOptionsInput["ransac"]> = {};
  const str = (key: string): string | undefined => values[key] as string | undefined;
  const distance = numberFlag(str("distance"), "--distance");
  if (distance !== undefined) options.distance = distance;
  const ratio = numberFlag(str("ratio"), "--ratio");
  if (ratio !== undefined) options.ratio = ratio;
  if (str("matcher") !== undefined) options.matcher = str("matcher") as MatchOptionsInput["matcher"];
  const seed = numberFlag(str("seed"), "--seed");
  if (seed !== undefined) ransac.seed = seed;
  const maxTrials = numberFlag(str("max-trials"), "--max-trials");
  if (maxTrials !== undefined) ransac.maxTrials = maxTrials;
  const residual = numberFlag(str("residual"), "--residual");
  if (residual !== undefined) ransac.residual = residual;
  if (str("trials") !== undefined) ransac.trials = str("trials") as "full" | "adaptive";
  if (str("model") !== undefined) ransac.model = str("model") as "affine" | "homography";
  options.ransac = ransac;
  return options;
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        seed: { type: "string" },
        trials: { type: "string" },
        "max-trials": { type: "string" },
        distance: { type: "string" },
        residual: { type: "string" },
        matcher: { type: "string" },
        ratio: { type: "string" },
        model: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 2) throw new UsageError("expected two feature files");
    const options = optionsFrom(values);
    const [text1, text2] = await Promise.all(positionals.map((p) => readFile(p, "utf8")));
    const f1 = parseFeatureFile(text1, positionals[0]);
    const f2 = parseFeatureFile(text2, positionals[1]);
    const k = await loadKernelsInNode();
    const result = matchAndVerify(k, f1, f2, options);
    if (values.json) {
      const out = {
        putative: result.putative,
        inliers: result.inliers,
        numInliers: result.numInliers,
        transform: result.transform,
        timingsMs: { match: result.timingsMs.match, ransac: result.timingsMs.ransac },
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      const t = result.transform;
      process.stdout.write(
        `${result.putative.length} putative matches, ${result.numInliers} inliers (${result.model}, ${result.trials} trials)\n` +
          (t ? `transform (image-1 [x,y] → image-2 [x,y]):\n${t.map((r) => `  ${r.map((v) => v.toFixed(6)).join("  ")}`).join("\n")}\n` : "no transform\n") +
          `timings: match ${result.timingsMs.match.toFixed(3)} ms, ransac ${result.timingsMs.ransac.toFixed(3)} ms\n`,
      );
    }
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || code === "invalid_options" || code === "invalid_request" || code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      process.stderr.write(`verify: ${(error as Error).message}\n${error instanceof UsageError ? USAGE : ""}`);
      return 2;
    }
    throw error;
  }
}
