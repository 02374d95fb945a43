/**
 * One indexed item's features as the R2 object the re-rank reads back: exact float32 locations and
 * descriptors (plus scales, scores and the processed → original map), so a re-rank from storage gives
 * the same answer as /v1/verify on the same features.
 *   "DELFPF01" | u32 count | u32 dim | u32 header JSON bytes | header JSON | pad to 4 |
 *   f32 locations[2·count] (y, x) | f32 descriptors[count·dim] | f32 scales[count] | f32 scores[count]
 * "DELFPF02" (written since issue 13's fourth round) adds | i32 words[count]: each feature's nearest visual
 * word, for the shared-word re-rank. Objects written as DELFPF01 stay readable (words: null).
 */
import type { FeatureSet } from "../../features/feature-set";

const MAGIC = "DELFPF01";
const MAGIC_WORDS = "DELFPF02";

/** An item's stored features and, when stored, each feature's nearest word. */
export interface StoredFeatures {
  set: FeatureSet;
  words: Int32Array | null;
}

export class PackedFeaturesError extends Error {
  readonly code = "index_corrupt";
}

export function packFeatures(set: FeatureSet, words?: Int32Array): Uint8Array {
  const f = set.features;
  const header = new TextEncoder().encode(JSON.stringify({ image: set.image, processed: set.processed, model: set.model }));
  const headerEnd = 20 + header.length;
  const arraysStart = (headerEnd + 3) & ~3;
  const floats = 2 * f.count + f.count * f.dim + 2 * f.count;
  if (words && words.length !== f.count) throw new RangeError(`${words.length} feature words for ${f.count} features`);
  const bytes = new Uint8Array(arraysStart + floats * 4 + (words ? 4 * f.count : 0));
  const view = new DataView(bytes.buffer);
  const magic = words ? MAGIC_WORDS : MAGIC;
  for (let i = 0; i < magic.length; i++) bytes[i] = magic.charCodeAt(i);
  view.setUint32(8, f.count, true);
  view.setUint32(12, f.dim, true);
  view.setUint32(16, header.length, true);
  bytes.set(header, 20);
  const out = new Float32Array(bytes.buffer, arraysStart, floats);
  let o = 0;
  for (const part of [f.locations, f.descriptors, f.scales, f.scores]) {
    out.set(part, o);
    o += part.length;
  }
  if (words) new Int32Array(bytes.buffer, arraysStart + floats * 4, f.count).set(words);
  return bytes;
}

export function unpackFeatures(bytes: Uint8Array): StoredFeatures {
  const magic = bytes.length < 20 ? "" : String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC && magic !== MAGIC_WORDS) throw new PackedFeaturesError("stored features: bad magic");
  const withWords = magic === MAGIC_WORDS;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(8, true);
  const dim = view.getUint32(12, true);
  const headerLength = view.getUint32(16, true);
  const arraysStart = (20 + headerLength + 3) & ~3;
  const floats = 2 * count + count * dim + 2 * count;
  if (bytes.length !== arraysStart + floats * 4 + (withWords ? 4 * count : 0)) throw new PackedFeaturesError("stored features: truncated");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + headerLength))) as Pick<FeatureSet, "image" | "processed" | "model">;
  // Copy: the R2 body's buffer may not be 4-byte aligned at byteOffset.
  const all = new Float32Array(bytes.slice(arraysStart, arraysStart + floats * 4).buffer);
  let o = 0;
  const take = (n: number) => all.subarray(o, (o += n));
  const locations = take(2 * count);
  const descriptors = take(count * dim);
  const scales = take(count);
  const scores = take(count);
  const words = withWords ? new Int32Array(bytes.slice(arraysStart + floats * 4).buffer) : null;
  return { set: { features: { count, dim, locations, descriptors, scales, scores }, ...header }, words };
}
