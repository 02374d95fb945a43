/**
 * `npm run --silent bench -- kernels [--n 1000] [--dim 40] [--runs 15] [--inliers 0.5] [--json]`
 * Nearest neighbours and RANSAC on the AssemblyScript kernels vs the plain-TS reference, same run,
 * same synthetic data: n unit descriptors; image 2 = a shuffled noisy copy (so ~n putatives); a
 * fraction `--inliers` of the locations follows an affine map (±1.5 px noise), the rest is random.
 * Figures are medians over `--runs` timed runs after 10 warm-up calls (wasm tier-up), wrapper included (copies in/out,
 * sampling, refit). JSON: {"nnMs","ransacFullMs","ransacAdaptiveMs","jsNnMs","jsRansacFullMs"}.
 */
import { parseArgs } from "node:util";
import { loadKernelsInNode } from "../../src/match/node-kernels";
import {
  DEFAULT_MATCH_OPTIONS, SeededRandom, nearestNeighbours, ransac, referenceNearestNeighbours, referenceRansac,
  type FeatureSet, type RansacOptions,
} from "../../src/match/index";
import { median } from "./median";

function gaussian(random: SeededRandom): number {
  const u = (random.nextUint32() + 1) / 4294967297;
  const v = random.nextUint32() / 4294967296;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function unitRows(random: SeededRandom, n: number, dim: number, around?: Float32Array, noise = 0): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const v = (around ? around[i * dim + k] : 0) + (around ? noise : 1) * gaussian(random);
      out[i * dim + k] = v;
      norm += v * v;
    }
    for (let k = 0; k < dim; k++) out[i * dim + k] /= Math.sqrt(norm);
  }
  return out;
}

/** Two feature sets with n true correspondences (shuffled), a fraction of them geometrically consistent. */
export function syntheticPair(n: number, dim: number, inlierFraction: number, seed = 7): { f1: FeatureSet; f2: FeatureSet } {
  const random = new SeededRandom(seed);
  const d1 = unitRows(random, n, dim);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.below(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const shuffled = new Float32Array(n * dim);
  order.forEach((src, i) => shuffled.set(d1.subarray(src * dim, (src + 1) * dim), i * dim));
  const d2 = unitRows(random, n, dim, shuffled, 0.25 / Math.sqrt(dim));
  const loc1 = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    loc1[2 * i] = (random.nextUint32() / 4294967296) * 480; // y
    loc1[2 * i + 1] = (random.nextUint32() / 4294967296) * 640; // x
  }
  const loc2 = new Float32Array(n * 2);
  order.forEach((src, i) => {
    const y = loc1[2 * src], x = loc1[2 * src + 1];
    if (random.nextUint32() / 4294967296 < inlierFraction) {
      loc2[2 * i + 1] = 0.9 * x - 0.1 * y + 20 + 1.5 * gaussian(random);
      loc2[2 * i] = 0.1 * x + 0.9 * y - 10 + 1.5 * gaussian(random);
    } else {
      loc2[2 * i] = (random.nextUint32() / 4294967296) * 480;
      loc2[2 * i + 1] = (random.nextUint32() / 4294967296) * 640;
    }
  });
  return {
    f1: { count: n, dim, descriptors: d1, locations: loc1 },
    f2: { count: n, dim, descriptors: d2, locations: loc2 },
  };
}

function time(runs: number, warmup: number, f: () => unknown): number {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: "string", default: "1000" },
      dim: { type: "string", default: "40" },
      runs: { type: "string", default: "15" },
      inliers: { type: "string", default: "0.5" },
      json: { type: "boolean", default: false },
    },
  });
  const n = Number(values.n), dim = Number(values.dim), runs = Number(values.runs), inliers = Number(values.inliers);
  if (!(n >= 3 && dim >= 1 && dim <= 256 && runs >= 1 && inliers >= 0 && inliers <= 1)) {
    process.stderr.write("kernels: need --n ≥ 3, --dim in [1, 256], --runs ≥ 1, --inliers in [0, 1]\n");
    return 2;
  }
  const k = await loadKernelsInNode();
  const { f1, f2 } = syntheticPair(n, dim, inliers);
  const nnOptions = { distance: DEFAULT_MATCH_OPTIONS.distance, matcher: "nn" as const, ratio: DEFAULT_MATCH_OPTIONS.ratio };
  const { putative } = nearestNeighbours(k, f1, f2, nnOptions);
  const src = new Float64Array(putative.length * 2);
  const dst = new Float64Array(putative.length * 2);
  putative.forEach(([i1, i2], m) => {
    src.set([f1.locations[2 * i1 + 1], f1.locations[2 * i1]], 2 * m);
    dst.set([f2.locations[2 * i2 + 1], f2.locations[2 * i2]], 2 * m);
  });
  const full: RansacOptions = { ...DEFAULT_MATCH_OPTIONS.ransac, trials: "full" };
  const adaptive: RansacOptions = { ...DEFAULT_MATCH_OPTIONS.ransac, trials: "adaptive" };
  const jsRuns = Math.max(3, Math.ceil(runs / 3));
  const result = {
    nnMs: time(runs, 10, () => nearestNeighbours(k, f1, f2, nnOptions)),
    ransacFullMs: time(runs, 10, () => ransac(k, src, dst, full)),
    ransacAdaptiveMs: time(runs, 10, () => ransac(k, src, dst, adaptive)),
    jsNnMs: time(jsRuns, 1, () => referenceNearestNeighbours(f1, f2, nnOptions)),
    jsRansacFullMs: time(jsRuns, 1, () => referenceRansac(src, dst, full)),
  };
  const rounded = Object.fromEntries(Object.entries(result).map(([key, v]) => [key, Math.round(v * 1000) / 1000]));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rounded)}\n`);
  } else {
    const fullRun = ransac(k, src, dst, full);
    const adaptiveRun = ransac(k, src, dst, adaptive);
    process.stdout.write(
      `n=${n} dim=${dim}: ${putative.length} putatives; RANSAC full ${fullRun.trials} trials / ${fullRun.numInliers} inliers, ` +
        `adaptive ${adaptiveRun.trials} trials / ${adaptiveRun.numInliers} inliers\n` +
        Object.entries(rounded).map(([key, v]) => `  ${key.padEnd(18)} ${v} ms`).join("\n") + "\n",
    );
  }
  return 0;
}
