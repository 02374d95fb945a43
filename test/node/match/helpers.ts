/** Shared helpers of the matching tests: the kernels instance and small data builders. */
import { loadKernelsInNode } from "../../../src/match/node-kernels";
import { SeededRandom, type FeatureSet } from "../../../src/match/index";

export const kernels = () => loadKernelsInNode();

/** A feature set from descriptor rows (locations default to zeros). */
export function features(rows: number[][], locationsYX?: number[][]): FeatureSet {
  const dim = rows.length > 0 ? rows[0].length : 0;
  return {
    count: rows.length,
    dim,
    descriptors: Float32Array.from(rows.flat()),
    locations: Float32Array.from(locationsYX ? locationsYX.flat() : new Array(rows.length * 2).fill(0)),
  };
}

/** Uniform in [0, 1) from the project's seeded generator (deterministic test data). */
export function uniform(random: SeededRandom): number {
  return random.nextUint32() / 4294967296;
}

/** n random rows of `dim` f32 values in [-1, 1), with `duplicates` rows repeated (exact ties). */
export function randomRows(random: SeededRandom, n: number, dim: number, duplicates = 0): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = uniform(random) * 2 - 1;
  for (let d = 0; d < duplicates && n > 1; d++) {
    const from = random.below(n);
    const to = random.below(n);
    out.copyWithin(to * dim, from * dim, (from + 1) * dim);
  }
  return out;
}
