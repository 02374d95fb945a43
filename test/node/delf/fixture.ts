/** A small deterministic extraction shared by the Node and workerd tests (same literal digests). */
import { sha256Hex } from "../../../src/bytes";
import type { Features, Pixels } from "../../../src/types";
import type { NamedTensor } from "../../../src/delf/synthetic";
import { syntheticDelfModel, type CreateModelOptions } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";

/** 96×80 procedural RGB texture (no files needed). */
export function fixturePixels(): Pixels {
  const width = 96, height = 80;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      data[i] = (x * 7 + y * 13 + ((x * y) % 31) * 5) & 255;
      data[i + 1] = (x * x + 3 * y) & 255;
      data[i + 2] = ((x >> 3) ^ (y >> 2)) * 16 & 255;
    }
  return { width, height, data };
}

export const FIXTURE_OPTIONS = { scales: [0.5, 1.0], scoreThreshold: 0 };

function bytesOf(arrays: Float32Array[]): Uint8Array {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

export const featuresDigest = (f: Features) => sha256Hex(bytesOf([f.locations, f.scales, f.scores, f.descriptors]));
export const tensorsDigest = (tensors: NamedTensor[]) => sha256Hex(bytesOf(tensors.map((t) => t.values)));

/** sha-256 over all values of syntheticModelTensors(1), in order. */
export const SYNTHETIC_1_DIGEST = "7bbd5fa3a91cf1cfbdf6e759de6077460aa6efbf6d662efce034333d55f100ae";

/**
 * Digest of the fixture extraction (FIXTURE_OPTIONS, synthetic:1) per conv engine / kernel build:
 * the same bytes in Node and in workerd. The relaxed-SIMD figure holds where relaxed_madd is a fused
 * multiply-add (x86 with FMA3, as on this project's machines). The wasm digests changed with
 * Winograd F(4×4) for the stride-1 3×3s (other rounding than F(2×2); within the bounds of
 * test/node/delf/conv-engine.test.ts: same keypoints, 1 − cosine < 1e-7).
 */
export const FIXTURE_DIGESTS = {
  tfjs: "99c2d7831597f87f4b5d6c82f75e203d1ae801ea3b7a8832e3a551d98f6cf58d",
  simd128: "8a87ebe00f4129f79c0a6ea6ec871fd52ddccabb774609964c3cfa9f02e687ec",
  "relaxed-simd": "fd5ab6e9b2db752618a2f86e4b0b48460b7d3831d39d3be9f5ab913b34c5b92c",
} as const;

/** The fixture extraction's digest with a fresh synthetic:1 model built with `options` (then disposed). */
export async function fixtureDigestWith(options: CreateModelOptions): Promise<string> {
  const model = syntheticDelfModel(1, options);
  try {
    return await featuresDigest(await extractDelfFeatures(model, fixturePixels(), FIXTURE_OPTIONS));
  } finally {
    model.dispose();
  }
}
