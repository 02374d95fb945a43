/** TS wrapper over the word-assignment kernel (assembly/retrieval/assign.ts). */
import { arenaAlloc, type KernelExports } from "../../runtime/kernels";

/** The kernel's signature (KernelExports lists it as unknown). */
type AssignWordsKernel = (
  x: number, n: number, centroids: number, k: number, dim: number, m: number, outWords: number, outScores: number,
) => number;

/** Largest multiple assignment the kernel supports (assembly/retrieval/assign.ts MAX_ASSIGN). */
export const MAX_ASSIGN = 16;

export interface Assignment {
  /** n × m centroid indices, nearest first (−1 past the codebook's size). */
  words: Int32Array;
  /** n × m scores |c|²/2 − c·x (f32); d² = 2·score + |x|². */
  scores: Float32Array;
}

/** The `m` nearest of `numWords` centroids for each of `count` descriptors, ties to the lower index. */
export function assignWords(
  k: KernelExports, centroids: Float32Array, numWords: number, dim: number, descriptors: Float32Array, count: number, m: number,
): Assignment {
  if (!Number.isInteger(m) || m < 1 || m > MAX_ASSIGN) throw new RangeError(`multiple assignment must be 1..${MAX_ASSIGN} (got ${m})`);
  if (centroids.length !== numWords * dim) throw new RangeError(`${centroids.length} centroid values for ${numWords} × ${dim}`);
  if (descriptors.length !== count * dim) throw new RangeError(`${descriptors.length} descriptor values for ${count} × ${dim}`);
  if (count === 0) return { words: new Int32Array(0), scores: new Float32Array(0) };
  const kernel = k.assignWords as AssignWordsKernel;
  k.arenaReset();
  try {
    const pX = arenaAlloc(k, descriptors.byteLength);
    // Room for ceil(numWords/4)·4 rows: the kernel packs the centroids in place, in blocks of 4.
    const pC = arenaAlloc(k, Math.ceil(numWords / 4) * 4 * dim * 4);
    const pWords = arenaAlloc(k, count * m * 4);
    const pScores = arenaAlloc(k, count * m * 4);
    new Float32Array(k.memory.buffer, pX, descriptors.length).set(descriptors);
    new Float32Array(k.memory.buffer, pC, centroids.length).set(centroids);
    const status = kernel(pX, count, pC, numWords, dim, m, pWords, pScores);
    if (status === -1) throw new Error("kernel arena could not allocate word-assignment scratch memory");
    if (status !== 0) throw new RangeError("word assignment: bad arguments");
    return {
      words: new Int32Array(k.memory.buffer, pWords, count * m).slice(),
      scores: new Float32Array(k.memory.buffer, pScores, count * m).slice(),
    };
  } finally {
    k.arenaReset();
  }
}
