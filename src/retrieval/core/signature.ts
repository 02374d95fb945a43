/**
 * ASMK* image signatures: each descriptor is assigned to its nearest visual word(s) (kernel), the
 * residuals x − c are summed per word, and each word's sum is reduced to its sign bits (the
 * normalisation ASMK applies first does not change signs). Bit b of a word's residual = component b
 * is > 0, little-endian inside each byte (component 8·i + j is bit j of byte i).
 */
import type { KernelExports } from "../../runtime/kernels";
import { assignWords } from "./assign";
import type { Codebook } from "./codebook";

/** Sorted unique visual words, one binarised aggregated residual per word. */
export interface ImageSignature {
  words: Uint32Array;
  /** words.length × bytesPerWord sign bits. */
  residuals: Uint8Array;
  bytesPerWord: number;
  /** Each feature's nearest word (−1: none), in feature order: what the shared-word re-rank pairs features by. */
  featureWords?: Int32Array;
}

/** ASMK*'s query-side multiple assignment. */
export const DEFAULT_QUERY_MULTI_ASSIGN = 5;

function checkDescriptors(cb: Codebook, descriptors: Float32Array, count: number): void {
  if (!Number.isInteger(count) || count < 0 || descriptors.length !== count * cb.dim) {
    throw new RangeError(`${descriptors.length} descriptor values for ${count} × ${cb.dim} (the codebook's dimension)`);
  }
}

/** Aggregates residuals of (descriptor, word) pairs per word and binarises them. */
function aggregate(cb: Codebook, descriptors: Float32Array, count: number, words: Int32Array, m: number): ImageSignature {
  const dim = cb.dim;
  const bytesPerWord = Math.ceil(dim / 8);
  const sums = new Map<number, Float64Array>();
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < m; r++) {
      const w = words[i * m + r];
      if (w < 0) continue;
      let sum = sums.get(w);
      if (!sum) sums.set(w, (sum = new Float64Array(dim)));
      const x = i * dim;
      const c = w * dim;
      for (let d = 0; d < dim; d++) sum[d] += descriptors[x + d] - cb.centroids[c + d];
    }
  }
  const featureWords = new Int32Array(count);
  for (let i = 0; i < count; i++) featureWords[i] = words[i * m];
  const sorted = Uint32Array.from(sums.keys()).sort();
  const residuals = new Uint8Array(sorted.length * bytesPerWord);
  sorted.forEach((w, j) => {
    const sum = sums.get(w)!;
    for (let d = 0; d < dim; d++) if (sum[d] > 0) residuals[j * bytesPerWord + (d >> 3)] |= 1 << (d & 7);
  });
  return { words: sorted, residuals, bytesPerWord, featureWords };
}

function signature(k: KernelExports, cb: Codebook, descriptors: Float32Array, count: number, m: number): ImageSignature {
  checkDescriptors(cb, descriptors, count);
  const { words } = assignWords(k, cb.centroids, cb.numWords, cb.dim, descriptors, count, m);
  return aggregate(cb, descriptors, count, words, m);
}

/** Database side: hard assignment. descriptors: count × codebook.dim float32, row-major. */
export function databaseSignature(k: KernelExports, cb: Codebook, descriptors: Float32Array, count: number): ImageSignature {
  return signature(k, cb, descriptors, count, 1);
}

/** Query side: each descriptor is assigned to its `multiAssign` nearest words (default 5). */
export function querySignature(
  k: KernelExports, cb: Codebook, descriptors: Float32Array, count: number, opts?: { multiAssign?: number },
): ImageSignature {
  return signature(k, cb, descriptors, count, opts?.multiAssign ?? DEFAULT_QUERY_MULTI_ASSIGN);
}

const FORMAT_VERSION = 1;
const HEADER_BYTES = 8;

/** Storage form: u8 version (1), u8 bytesPerWord, u16 0, u32 LE word count, u32 LE words, then residuals. */
export function encodeSignature(s: ImageSignature): Uint8Array {
  const n = s.words.length;
  const bytes = new Uint8Array(HEADER_BYTES + n * 4 + s.residuals.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = FORMAT_VERSION;
  bytes[1] = s.bytesPerWord;
  view.setUint32(4, n, true);
  for (let i = 0; i < n; i++) view.setUint32(HEADER_BYTES + 4 * i, s.words[i], true);
  bytes.set(s.residuals, HEADER_BYTES + 4 * n);
  return bytes;
}

/** Inverse of encodeSignature; throws RangeError on malformed bytes. */
export function decodeSignature(bytes: Uint8Array): ImageSignature {
  if (bytes.length < HEADER_BYTES || bytes[0] !== FORMAT_VERSION) throw new RangeError("not an encoded signature (version 1)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bytesPerWord = bytes[1];
  const n = view.getUint32(4, true);
  if (bytesPerWord < 1 || bytes.length !== HEADER_BYTES + n * (4 + bytesPerWord)) throw new RangeError("encoded signature has the wrong length");
  const words = new Uint32Array(n);
  for (let i = 0; i < n; i++) words[i] = view.getUint32(HEADER_BYTES + 4 * i, true);
  for (let i = 1; i < n; i++) if (words[i] <= words[i - 1]) throw new RangeError("encoded signature words are not sorted and unique");
  const residuals = bytes.slice(HEADER_BYTES + 4 * n);
  return { words, residuals, bytesPerWord };
}
