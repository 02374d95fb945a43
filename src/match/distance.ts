/** TS wrapper over the SIMD squared-distance kernel (assembly/distance.ts). */
import { arenaAlloc, type KernelExports } from "../runtime/kernels";

/**
 * Squared Euclidean distances between every row of `a` and every row of `b` (row-major, `dim`
 * floats per row). Returns a (rows of a) × (rows of b) row-major Float32Array.
 */
export function squaredDistanceBlock(k: KernelExports, a: Float32Array, b: Float32Array, dim: number): Float32Array {
  const na = a.length / dim;
  const nb = b.length / dim;
  if (!Number.isInteger(na) || !Number.isInteger(nb)) throw new RangeError("row length mismatch");
  k.arenaReset();
  const pa = arenaAlloc(k, a.byteLength);
  const pb = arenaAlloc(k, b.byteLength);
  const po = arenaAlloc(k, na * nb * 4);
  new Float32Array(k.memory.buffer, pa, a.length).set(a);
  new Float32Array(k.memory.buffer, pb, b.length).set(b);
  k.squaredDistanceBlock(pa, na, pb, nb, dim, po);
  const out = new Float32Array(k.memory.buffer, po, na * nb).slice();
  k.arenaReset();
  return out;
}
