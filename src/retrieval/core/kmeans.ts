/**
 * Seeded, deterministic k-means (Lloyd) for training the codebook: initial centroids are k distinct
 * training rows drawn by the project's seeded generator; the assignment step runs in the kernel
 * (assignWords, m = 1, ties to the lower index); means are summed in f64. An empty cluster takes a
 * fresh random row. Stops after `iterations` or when no assignment changes.
 */
import type { KernelExports } from "../../runtime/kernels";
import { SeededRandom } from "../../match/prng";
import { assignWords } from "./assign";

export interface KMeansOptions {
  numWords: number;
  iterations: number;
  seed: number;
  /** Called after each iteration (progress). */
  onIteration?: (info: { iteration: number; changed: number; meanSquaredDistance: number; emptyClusters: number }) => void;
}

export interface KMeansResult {
  centroids: Float32Array;
  iterations: number;
  /** Mean squared distance of each row to its centroid at the last assignment. */
  meanSquaredDistance: number;
}

export function trainKMeans(k: KernelExports, data: Float32Array, count: number, dim: number, options: KMeansOptions): KMeansResult {
  const { numWords, iterations, seed } = options;
  if (!Number.isInteger(numWords) || numWords < 1 || numWords > count) throw new RangeError(`numWords must be 1..${count} (the row count)`);
  if (data.length !== count * dim) throw new RangeError(`${data.length} values for ${count} × ${dim}`);
  const random = new SeededRandom(seed);
  // Partial Fisher–Yates: the first numWords entries of `order` are distinct random rows.
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = 0; i < numWords; i++) {
    const j = i + random.below(count - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const centroids = new Float32Array(numWords * dim);
  for (let c = 0; c < numWords; c++) centroids.set(data.subarray(order[c] * dim, (order[c] + 1) * dim), c * dim);

  const norms = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[i * dim + d] ** 2;
    norms[i] = s;
  }
  let previous: Int32Array = new Int32Array(count).fill(-1);
  let meanSquaredDistance = Infinity;
  let iteration = 0;
  while (iteration < iterations) {
    iteration++;
    const { words, scores } = assignWords(k, centroids, numWords, dim, data, count, 1);
    let changed = 0;
    let sse = 0;
    for (let i = 0; i < count; i++) {
      if (words[i] !== previous[i]) changed++;
      sse += Math.max(0, 2 * scores[i] + norms[i]);
    }
    meanSquaredDistance = sse / count;
    const sums = new Float64Array(numWords * dim);
    const sizes = new Uint32Array(numWords);
    for (let i = 0; i < count; i++) {
      const w = words[i];
      sizes[w]++;
      for (let d = 0; d < dim; d++) sums[w * dim + d] += data[i * dim + d];
    }
    let emptyClusters = 0;
    for (let c = 0; c < numWords; c++) {
      if (sizes[c] === 0) {
        emptyClusters++;
        const row = random.below(count);
        centroids.set(data.subarray(row * dim, (row + 1) * dim), c * dim);
        continue;
      }
      for (let d = 0; d < dim; d++) centroids[c * dim + d] = sums[c * dim + d] / sizes[c];
    }
    options.onIteration?.({ iteration, changed, meanSquaredDistance, emptyClusters });
    previous = words;
    if (changed === 0) break;
  }
  return { centroids, iterations: iteration, meanSquaredDistance };
}
