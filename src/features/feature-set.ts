/**
 * A FeatureSet is one image's DELF features together with where they live: the processed image
 * DELF ran on and the affine map from processed to original pixels. Its JSON form is what
 * /v1/features returns, what /v1/verify accepts back, and what the feature cache stores.
 * Plain feature files (`{"locations":[[x,y],...],"descriptors":[[...],...]}`, the CLI's verify
 * input) are accepted too: their locations are taken as both processed and original.
 */
import { z } from "zod";
import type { Features } from "../types";
import { bytesToBase64 } from "../bytes";
import { applyAffine, invertAffine, multiply3x3, toHomogeneous, IDENTITY_AFFINE, type Affine2x3 } from "./affine";

export interface ModelInfo {
  name: "delf-v1";
  trained: boolean;
  source: string;
}

export interface FeatureSet {
  /** Features in the processed frame (locations (y, x) as DELF computes them). */
  features: Features;
  image: { width: number; height: number } | null;
  processed: { width: number; height: number; fit: unknown; toOriginal: Affine2x3 } | null;
  model: ModelInfo | null;
}

export class FeatureSetError extends Error {
  readonly code = "invalid_features";
  constructor(message: string) {
    super(message);
    this.name = "FeatureSetError";
  }
}

/** Original-image [x, y] of feature i. */
export function originalPoint(set: FeatureSet, i: number): [number, number] {
  const y = set.features.locations[2 * i];
  const x = set.features.locations[2 * i + 1];
  return applyAffine(set.processed?.toOriginal ?? IDENTITY_AFFINE, x, y);
}

/**
 * A processed-frame transform (`from`'s processed pixels → `to`'s processed pixels, 3×3 row-major)
 * re-expressed between the two ORIGINAL images.
 */
export function transformBetweenOriginals(matrix: number[][], from: FeatureSet, to: FeatureSet): number[][] {
  const fromInverse = toHomogeneous(invertAffine(from.processed?.toOriginal ?? IDENTITY_AFFINE));
  const toOriginal = toHomogeneous(to.processed?.toOriginal ?? IDENTITY_AFFINE);
  const m = multiply3x3(toOriginal, multiply3x3(matrix, fromInverse));
  const w = m[2][2];
  return m.map((row) => row.map((v) => v / w));
}

function float32ToBase64(values: Float32Array): string {
  return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function base64ToFloat32(text: string, expected: number): Float32Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new FeatureSetError("descriptors.base64 is not valid base64");
  }
  if (binary.length !== expected * 4)
    throw new FeatureSetError(`descriptors.base64 holds ${binary.length} bytes, shape says ${expected * 4}`);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export function featureSetToJson(set: FeatureSet) {
  const f = set.features;
  const locations: Array<[number, number]> = [];
  const processedLocations: Array<[number, number]> = [];
  for (let i = 0; i < f.count; i++) {
    locations.push(originalPoint(set, i));
    processedLocations.push([f.locations[2 * i + 1], f.locations[2 * i]]);
  }
  return {
    model: set.model,
    image: set.image,
    processed: set.processed,
    numFeatures: f.count,
    locations,
    processedLocations,
    scales: Array.from(f.scales),
    scores: Array.from(f.scores),
    descriptors: { dtype: "float32" as const, shape: [f.count, f.dim] as [number, number], base64: float32ToBase64(f.descriptors) },
  };
}

export type FeatureSetJson = ReturnType<typeof featureSetToJson>;

const finite = z.number().finite();
const point = z.tuple([finite, finite]);
const affineRow = z.tuple([finite, finite, finite]);

/** What /v1/verify accepts as one feature set: /v1/features JSON or the plain form. */
export const FeatureSetInputSchema = z.object({
  locations: z.array(point),
  processedLocations: z.array(point).optional(),
  descriptors: z.union([
    z.array(z.array(finite)),
    z.object({ dtype: z.literal("float32"), shape: z.tuple([z.number().int().min(0), z.number().int().min(1)]), base64: z.string() }),
  ]),
  scales: z.array(finite).optional(),
  scores: z.array(finite).optional(),
  image: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).nullable().optional(),
  processed: z
    .object({ width: z.number().int().positive(), height: z.number().int().positive(), fit: z.unknown(), toOriginal: z.tuple([affineRow, affineRow]) })
    .nullable()
    .optional(),
  model: z.object({ name: z.literal("delf-v1"), trained: z.boolean(), source: z.string() }).nullable().optional(),
  numFeatures: z.number().int().optional(),
}).passthrough();

export type FeatureSetInput = z.infer<typeof FeatureSetInputSchema>;

/** Builds a FeatureSet from validated JSON; checks that every array agrees on the count. */
export function featureSetFromJson(input: FeatureSetInput, limits: { maxFeatures: number; maxDim: number }): FeatureSet {
  const count = input.locations.length;
  if (count > limits.maxFeatures) throw new FeatureSetError(`${count} features; at most ${limits.maxFeatures}`);
  let descriptors: Float32Array;
  let dim: number;
  if (Array.isArray(input.descriptors)) {
    if (input.descriptors.length !== count)
      throw new FeatureSetError(`${input.descriptors.length} descriptors for ${count} locations`);
    dim = count > 0 ? input.descriptors[0].length : 1;
    if (dim < 1 || dim > limits.maxDim) throw new FeatureSetError(`descriptor length must be 1..${limits.maxDim}`);
    descriptors = new Float32Array(count * dim);
    input.descriptors.forEach((row, i) => {
      if (row.length !== dim) throw new FeatureSetError(`descriptor ${i} has ${row.length} values, expected ${dim}`);
      descriptors.set(row, i * dim);
    });
  } else {
    const [n, d] = input.descriptors.shape;
    if (n !== count) throw new FeatureSetError(`descriptors.shape says ${n} rows for ${count} locations`);
    if (d > limits.maxDim) throw new FeatureSetError(`descriptor length must be 1..${limits.maxDim}`);
    dim = d;
    descriptors = base64ToFloat32(input.descriptors.base64, n * d);
    if (!descriptors.every(Number.isFinite)) throw new FeatureSetError("descriptors contain NaN or infinity");
  }
  const processedPoints = input.processedLocations ?? input.locations;
  if (processedPoints.length !== count) throw new FeatureSetError("processedLocations and locations differ in length");
  for (const [name, arr] of [["scales", input.scales], ["scores", input.scores]] as const)
    if (arr && arr.length !== count) throw new FeatureSetError(`${name} has ${arr.length} entries for ${count} locations`);
  const locations = new Float32Array(2 * count);
  processedPoints.forEach(([x, y], i) => {
    locations[2 * i] = y;
    locations[2 * i + 1] = x;
  });
  return {
    features: {
      count,
      dim,
      locations,
      descriptors,
      scales: Float32Array.from(input.scales ?? new Array(count).fill(1)),
      scores: Float32Array.from(input.scores ?? new Array(count).fill(0)),
    },
    image: input.image ?? null,
    // Plain files carry original points only: processed = original.
    processed: input.processedLocations && input.processed ? input.processed : null,
    model: input.model ?? null,
  };
}
