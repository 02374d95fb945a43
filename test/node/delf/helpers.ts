/** Shared helpers of the DELF tests: data paths, PNG decoding, a brute-force matcher and RANSAC. */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node";
import { startRuntime } from "../../../src/runtime/start";
import { decodeImage } from "../../../src/image/decode";
import type { Features, Pixels } from "../../../src/types";

export const SHARED_DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
export const haveShared = existsSync(SHARED_DATA);
export function warnIfNoShared(what: string): void {
  if (!haveShared) console.warn(`skipping ${what}: ../shared not found`);
}

export async function startNodeRuntime() {
  return startRuntime(await loadNodeWasmModules());
}

export async function loadImage(relativePath: string): Promise<Pixels> {
  const modules = await loadNodeWasmModules();
  return (await decodeImage(new Uint8Array(await readFile(SHARED_DATA + relativePath)), modules)).pixels;
}

/** A sub-rectangle of an RGB image (integer offsets, no resampling). */
export function cropPixels(p: Pixels, x0: number, y0: number, width: number, height: number): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    data.set(p.data.subarray(3 * ((y0 + y) * p.width + x0), 3 * ((y0 + y) * p.width + x0 + width)), 3 * y * width);
  return { width, height, data };
}

/** out(x, y) = bilinear sample of `p` at map(x, y) (pixel-centre coordinates); outside → 0. */
export function warpPixels(p: Pixels, width: number, height: number, map: (x: number, y: number) => [number, number]): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [sx, sy] = map(x, y);
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= p.width || y0 + 1 >= p.height) continue;
      const fx = sx - x0, fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const at = (xx: number, yy: number) => p.data[3 * (yy * p.width + xx) + c];
        const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
        const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
        data[3 * (y * width + x) + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  return { width, height, data };
}

/** Tutorial matching: for each feature of b, its nearest neighbour in a if distance < 0.8 (strict). */
export function matchFeatures(a: Features, b: Features): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let j = 0; j < b.count; j++) {
    let best = -1, bestD = Infinity;
    for (let i = 0; i < a.count; i++) {
      let d = 0;
      for (let k = 0; k < a.dim; k++) d += (a.descriptors[i * a.dim + k] - b.descriptors[j * b.dim + k]) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    if (bestD < 0.64) pairs.push([best, j]);
  }
  return pairs;
}

/** Affine [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f (least squares over ≥ 3 pairs). */
export type Affine = [number, number, number, number, number, number];

function solve3(m: number[][], v: number[]): number[] | null {
  const det = (q: number[][]) =>
    q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) - q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) + q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  const d = det(m);
  if (Math.abs(d) < 1e-9) return null;
  return [0, 1, 2].map((c) => det(m.map((row, r) => row.map((x, k) => (k === c ? v[r] : x)))) / d);
}

export function fitAffine(src: Array<[number, number]>, dst: Array<[number, number]>): Affine | null {
  const n = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const bx = [0, 0, 0], by = [0, 0, 0];
  src.forEach(([x, y], i) => {
    const row = [x, y, 1];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) n[r][c] += row[r] * row[c];
      bx[r] += row[r] * dst[i][0];
      by[r] += row[r] * dst[i][1];
    }
  });
  const p = solve3(n, bx), q = solve3(n, by);
  return p && q ? [p[0], p[1], p[2], q[0], q[1], q[2]] : null;
}

export const applyAffine = (m: Affine, x: number, y: number): [number, number] => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];

const residual = (m: Affine, s: [number, number], d: [number, number]) => {
  const [x, y] = applyAffine(m, s[0], s[1]);
  return Math.hypot(x - d[0], y - d[1]);
};

/** RANSAC (3-point samples, residual < 20 px, seeded), then least squares on the best inlier set (refined twice). */
export function ransacAffine(src: Array<[number, number]>, dst: Array<[number, number]>, trials = 1000, seed = 1): { model: Affine; inliers: number } | null {
  let state = seed;
  const rand = (n: number) => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % n);
  let best: number[] = [];
  for (let t = 0; t < trials && src.length >= 3; t++) {
    const idx = [rand(src.length), rand(src.length), rand(src.length)];
    if (new Set(idx).size < 3) continue;
    const m = fitAffine(idx.map((i) => src[i]), idx.map((i) => dst[i]));
    if (!m) continue;
    const inl = src.flatMap((s, i) => (residual(m, s, dst[i]) < 20 ? [i] : []));
    if (inl.length > best.length) best = inl;
  }
  if (best.length < 3) return null;
  // Local optimisation: refit on the inliers, re-select inliers with the refit model, twice.
  let model = fitAffine(best.map((i) => src[i]), best.map((i) => dst[i]));
  for (let round = 0; round < 2 && model; round++) {
    const m = model;
    const inl = src.flatMap((s, i) => (residual(m, s, dst[i]) < 20 ? [i] : []));
    if (inl.length < 3) break;
    best = inl;
    model = fitAffine(best.map((i) => src[i]), best.map((i) => dst[i]));
  }
  return model ? { model, inliers: best.length } : null;
}

/** (x, y) of feature i (DELF stores (y, x)). */
export const xy = (f: Features, i: number): [number, number] => [f.locations[2 * i + 1], f.locations[2 * i]];
