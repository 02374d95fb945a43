// Wasm memory of word assignment with the committed 16 384-word codebook: the codebook sits in the
// kernel arena once (packed in place), and repeated signatures do not grow memory (it never shrinks).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadKernelsInNode } from "../../../src/match/node-kernels";
import { SeededRandom } from "../../../src/match/prng";
import { databaseSignature, parseCodebook, querySignature } from "../../../src/retrieval/core";

const codebookDir = fileURLToPath(new URL("../../../model-assets/codebook/", import.meta.url));

describe("retrieval kernel memory", () => {
  it("1000 × 40 descriptors against the 16k codebook fit in 3 MiB of kernel memory; repeats do not grow it", async () => {
    const k = await loadKernelsInNode();
    const cb = await parseCodebook(new Uint8Array(readFileSync(`${codebookDir}codebook.bin`)));
    const r = new SeededRandom(11);
    const d = Float32Array.from({ length: 1000 * 40 }, () => r.nextUint32() / 4294967296 - 0.5);
    const q = querySignature(k, cb, d, 1000, { multiAssign: 16 });
    databaseSignature(k, cb, d, 1000);
    const after = k.memoryBytes();
    expect(after).toBeLessThanOrEqual(3 * 2 ** 20);
    for (let i = 0; i < 3; i++) {
      expect(querySignature(k, cb, d, 1000, { multiAssign: 16 })).toEqual(q);
      databaseSignature(k, cb, d, 1000);
    }
    expect(k.memoryBytes()).toBe(after);
  });
});
