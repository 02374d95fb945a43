/**
 * Fixed inputs of the memory tests: procedural RGB images (no files needed) and the extraction
 * settings of each case. The "before" outputs in before-memory-work.json were made from these by
 * make-before-fixture.ts on the extractor as it was before the memory work (commit 55a70cf).
 */
import type { Pixels } from "../../../src/types";

/** Deterministic texture with edges, gradients and blobs at several scales. */
export function proceduralImage(width: number, height: number): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      const ring = Math.hypot(x - width * 0.4, y - height * 0.6) | 0;
      data[i] = (x * 7 + y * 13 + ((x * y) % 31) * 5) & 255;
      data[i + 1] = ((ring & 32 ? 200 : 40) + ((x >> 4) ^ (y >> 3)) * 3) & 255;
      data[i + 2] = (((x >> 3) ^ (y >> 2)) * 16 + (x % 17 < 3 ? 90 : 0)) & 255;
    }
  return { width, height, data };
}

export interface MemoryCase {
  name: string;
  width: number;
  height: number;
  scales: number[];
  /** Threshold 0 keeps every cell; maxFeatures then keeps the strongest (NMS at IoU 1 = a sort). */
  scoreThreshold: number;
  maxFeatures: number;
}

export const CASES: MemoryCase[] = [
  // The tutorial pyramid of a 256² image: levels 64² … 512² (the two largest run in stem bands).
  { name: "256x256 tutorial", width: 256, height: 256, scales: [0.25, 0.3536, 0.5, 0.7071, 1.0, 1.4142, 2.0], scoreThreshold: 0, maxFeatures: 150 },
  // Non-square, odd band splits: 464×352 and 328×249 levels.
  { name: "232x176 four scales", width: 232, height: 176, scales: [0.5, 1.0, 1.4142, 2.0], scoreThreshold: 0, maxFeatures: 150 },
];

export const WEIGHTS_SEED = 1;
