/** TS wrapper over the nearest-neighbour kernel (assembly/nn.ts). */
import { arenaAlloc, type KernelExports } from "../runtime/kernels";
import { InvalidFeaturesError, type Matcher } from "./options";

/** What matching needs of a feature set (src/types.ts Features satisfies it). */
export interface FeatureSet {
  count: number;
  dim: number;
  /** count × dim float32, row-major. */
  descriptors: Float32Array;
  /** count × 2 float32, (y, x) pairs. */
  locations: Float32Array;
}

export interface NearestNeighbourOptions {
  distance: number;
  matcher: Matcher;
  ratio: number;
}

export interface PutativeMatches {
  /** [i1, i2] pairs in ascending i2. */
  putative: Array<[number, number]>;
  /** Euclidean descriptor distance of each pair (f64 result, stored as f32). */
  distances: Float32Array;
}

/** Largest descriptor dimension accepted. */
export const MAX_DIM = 256;
/** Largest |descriptor value| (assembly/nn.ts MAX_VALUE): keeps the f32 half-norms finite. */
export const MAX_DESCRIPTOR_ABS = 1e16;

const MODE_MUTUAL = 1;
const MODE_RATIO = 2;

/** Throws InvalidFeaturesError unless the feature set is well-formed. */
export function checkFeatureSet(f: FeatureSet, name: string): void {
  if (!Number.isInteger(f.count) || f.count < 0) throw new InvalidFeaturesError(`${name}: count must be an integer ≥ 0`);
  if (f.count > 0 && (!Number.isInteger(f.dim) || f.dim < 1 || f.dim > MAX_DIM)) {
    throw new InvalidFeaturesError(`${name}: descriptor dimension must be an integer in [1, ${MAX_DIM}] (got ${f.dim})`);
  }
  if (f.descriptors.length !== f.count * (f.count > 0 ? f.dim : 0)) {
    throw new InvalidFeaturesError(`${name}: ${f.descriptors.length} descriptor values for ${f.count} × ${f.dim}`);
  }
  if (f.locations.length !== f.count * 2) {
    throw new InvalidFeaturesError(`${name}: ${f.locations.length} location values for ${f.count} points`);
  }
  const locations = f.locations;
  for (let i = 0; i < locations.length; i++) {
    if (!Number.isFinite(locations[i])) throw new InvalidFeaturesError(`${name}: locations must be finite`);
  }
  // Descriptor values are checked by the kernel (it scans them anyway): see nearestNeighbours.
}

/**
 * For each image-2 descriptor, its nearest image-1 descriptor, kept iff the Euclidean distance is
 * < options.distance (strict, decided in float64 exactly as scipy's cKDTree) and, per matcher, the
 * match is mutual and/or passes the ratio test. One-way and many-to-one for "nn".
 */
export function nearestNeighbours(
  k: KernelExports, f1: FeatureSet, f2: FeatureSet, options: NearestNeighbourOptions,
): PutativeMatches {
  checkFeatureSet(f1, "features1");
  checkFeatureSet(f2, "features2");
  if (f1.count === 0 || f2.count === 0) return { putative: [], distances: new Float32Array(0) };
  if (f1.dim !== f2.dim) throw new InvalidFeaturesError(`descriptor dimensions differ: ${f1.dim} vs ${f2.dim}`);
  const dim = f1.dim;
  const mode =
    (options.matcher === "mnn" || options.matcher === "mnn-ratio" ? MODE_MUTUAL : 0) |
    (options.matcher === "ratio" || options.matcher === "mnn-ratio" ? MODE_RATIO : 0);
  k.arenaReset();
  try {
    const p1 = arenaAlloc(k, f1.descriptors.byteLength);
    const p2 = arenaAlloc(k, f2.descriptors.byteLength);
    const pIndex = arenaAlloc(k, f2.count * 4);
    const pDist = arenaAlloc(k, f2.count * 8);
    new Float32Array(k.memory.buffer, p1, f1.descriptors.length).set(f1.descriptors);
    new Float32Array(k.memory.buffer, p2, f2.descriptors.length).set(f2.descriptors);
    // scipy squares the bound in float64 (0.8 → 0.6400000000000001) and compares d² < bound².
    const boundSq = options.distance * options.distance;
    const found = k.nearestNeighbours(p1, f1.count, p2, f2.count, dim, boundSq, mode, options.ratio, pIndex, pDist);
    if (found === -2) {
      throw new InvalidFeaturesError(`descriptor values must be finite with |v| ≤ ${MAX_DESCRIPTOR_ABS}`);
    }
    if (found < 0) throw new Error("kernel arena could not allocate nearest-neighbour scratch memory");
    const index = new Int32Array(k.memory.buffer, pIndex, f2.count);
    const distSq = new Float64Array(k.memory.buffer, pDist, f2.count);
    const putative: Array<[number, number]> = [];
    const distances = new Float32Array(found);
    for (let i2 = 0; i2 < f2.count; i2++) {
      if (index[i2] < 0) continue;
      distances[putative.length] = Math.sqrt(distSq[i2]);
      putative.push([index[i2], i2]);
    }
    return { putative, distances };
  } finally {
    k.arenaReset();
  }
}
