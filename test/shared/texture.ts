import type { Pixels } from "../../src/types";

/** A square procedural texture (no files needed), used by the extraction benchmark and memory tests. */
export function texture(size = 256): Pixels {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const x = i % size, y = Math.floor(i / size);
    data[3 * i] = (x * 7 + y * 13 + ((x * y) % 31) * 5) & 255;
    data[3 * i + 1] = (x * x + 3 * y) & 255;
    data[3 * i + 2] = (((x >> 3) ^ (y >> 2)) * 16) & 255;
  }
  return { width: size, height: size, data };
}
