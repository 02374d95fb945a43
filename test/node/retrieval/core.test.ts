// Retrieval core: literal values for the hand-checkable parts (σ, hamming, signatures, tie orders),
// the assignment kernel against a plain f32 reference, codebook parsing and its failures.
import { describe, expect, it } from "vitest";
import { loadKernelsInNode } from "../../../src/match/node-kernels";
import { SeededRandom } from "../../../src/match/prng";
import {
  CodebookError, asmkSigma, assignWords, databaseSignature, decodeSignature, encodeSignature, hamming, parseCodebook,
  querySignature, scoreShortlist, serialiseCodebook, sigmaTable, type Codebook, type PostingList,
} from "../../../src/retrieval/core";
import { trainKMeans } from "../../../src/retrieval/core/kmeans";
import { sha256Hex } from "../../../src/bytes";

const kernels = () => loadKernelsInNode();

/** Plain f32 reference of the kernel's score: |c|²/2 − c·x, sums in component order. */
function referenceAssign(centroids: Float32Array, numWords: number, dim: number, x: Float32Array, count: number, m: number) {
  const f = Math.fround;
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const scored: Array<[number, number]> = [];
    for (let j = 0; j < numWords; j++) {
      let norm = 0, dot = 0;
      for (let c = 0; c < dim; c++) {
        const v = centroids[j * dim + c];
        norm = f(norm + f(v * v));
        dot = f(dot + f(v * x[i * dim + c]));
      }
      scored.push([f(f(0.5 * norm) - dot), j]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    out.push(scored.slice(0, m).map(([, j]) => j));
  }
  return out;
}

function randomRows(seed: number, n: number, dim: number): Float32Array {
  const r = new SeededRandom(seed);
  return Float32Array.from({ length: n * dim }, () => r.nextUint32() / 4294967296 * 2 - 1);
}

async function codebook(rows: number[][]): Promise<Codebook> {
  return parseCodebook(serialiseCodebook(Float32Array.from(rows.flat()), rows.length, rows[0].length));
}

describe("ASMK* similarity σ(u) = sign(u)|u|^α for u > τ, u = 1 − 2h/D", () => {
  it("literal values at D = 40, α = 3, τ = 0", () => {
    expect(asmkSigma(0, 40)).toBe(1);
    expect(asmkSigma(10, 40)).toBe(0.125); // u = 0.5
    expect(asmkSigma(5, 40)).toBeCloseTo(0.421875, 15); // u = 0.75
    expect(asmkSigma(20, 40)).toBe(0); // u = 0 is not > τ
    expect(asmkSigma(30, 40)).toBe(0); // u < 0
    expect(asmkSigma(10, 40, 1, 0.6)).toBe(0); // u = 0.5 ≤ τ = 0.6
    expect(asmkSigma(4, 40, 1, 0.6)).toBeCloseTo(0.8, 15);
    const table = sigmaTable(40);
    expect(table.length).toBe(41);
    expect(table[19]).toBeCloseTo(0.05 ** 3, 15);
    expect(Array.from(table.slice(20))).toEqual(new Array(21).fill(0));
  });

  it("hamming counts differing bits", () => {
    const a = Uint8Array.from([0b1010_1010, 0xff, 0, 0x0f, 0x80]);
    const b = Uint8Array.from([0b0101_0101, 0xff, 1, 0xf0, 0x80]);
    expect(hamming(a, 0, b, 0, 5)).toBe(8 + 0 + 1 + 8 + 0);
    expect(hamming(a, 1, b, 1, 1)).toBe(0);
  });
});

describe("word assignment kernel", () => {
  it("equals the plain f32 reference (m = 1, 3, 5; 257 words; 40-d and odd 7-d; 37 descriptors)", async () => {
    const k = await kernels();
    for (const dim of [40, 7]) {
      const cents = randomRows(1, 257, dim);
      const x = randomRows(2, 37, dim);
      for (const m of [1, 3, 5]) {
        const got = assignWords(k, cents, 257, dim, x, 37, m);
        const expected = referenceAssign(cents, 257, dim, x, 37, m);
        expect(Array.from(got.words), `dim ${dim} m ${m}`).toEqual(expected.flat());
      }
    }
  });

  it("exact ties go to the lower word; m beyond the codebook pads with −1", async () => {
    const k = await kernels();
    // Words 1 and 3 are the same point; word 0 is farther; query sits on them.
    const cents = Float32Array.from([5, 5, 1, 0, 9, 9, 1, 0, 0, 1]);
    const x = Float32Array.from([1, 0]);
    expect(Array.from(assignWords(k, cents, 5, 2, x, 1, 3).words)).toEqual([1, 3, 4]);
    expect(Array.from(assignWords(k, cents, 5, 2, x, 1, 1).words)).toEqual([1]);
    expect(Array.from(assignWords(k, cents.subarray(0, 4), 2, 2, x, 1, 3).words)).toEqual([1, 0, -1]);
  });
});

describe("ASMK* signatures", () => {
  it("database: hard assignment, residuals summed per word and binarised (bit j of byte i = component 8i + j > 0)", async () => {
    const k = await kernels();
    // 2 words in 10-d (2 bytes per word). Descriptors 0, 1 → word 1; descriptor 2 → word 0.
    const cb = await codebook([new Array(10).fill(0), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]);
    const d = Float32Array.from([
      2, 0, 1, 1, 1, 1, 1, 1, 1, 1.5, // residual to word 1: (1, −1, 0, 0, 0, 0, 0, 0, 0, 0.5)
      1, 1.5, 1, 1, 1, 1, 1, 1, 1, 0, // residual: (0, 0.5, 0, ..., 0, −1)
      -1, 0, 0, 0, 0, 0, 0, 0, 0, 0.25, // word 0: residual (−1, 0, ..., 0.25)
    ]);
    const s = databaseSignature(k, cb, d, 3);
    expect(s.bytesPerWord).toBe(2);
    expect(Array.from(s.words)).toEqual([0, 1]);
    // word 0: only component 9 > 0 → byte 1 bit 1; word 1: sum (1, −0.5, 0, …, −0.5) → bit 0 of byte 0.
    expect(Array.from(s.residuals)).toEqual([0b0, 0b10, 0b1, 0b0]);
    // Each feature's nearest word (stored with the features for the shared-word re-rank, not in the signature bytes).
    const { featureWords, ...stored } = s;
    expect(Array.from(featureWords!)).toEqual([1, 1, 0]);
    const back = decodeSignature(encodeSignature(s));
    expect(back).toEqual(stored);
    expect(encodeSignature(s).length).toBe(8 + 2 * 4 + 2 * 2);
  });

  it("query: multiple assignment adds the next-nearest words", async () => {
    const k = await kernels();
    const cb = await codebook([[0, 0], [1, 0], [0, 1], [5, 5]]);
    const q = querySignature(k, cb, Float32Array.from([0.9, 0.1]), 1, { multiAssign: 3 });
    expect(Array.from(q.words)).toEqual([0, 1, 2]);
    expect(Array.from(q.residuals)).toEqual([0b11, 0b10, 0b01]); // (0.9,0.1), (−0.1,0.1), (0.9,−0.9)
    expect(Array.from(querySignature(k, cb, Float32Array.from([0.9, 0.1]), 1, { multiAssign: 1 }).words)).toEqual([1]);
  });

  it("decodeSignature rejects malformed bytes", () => {
    expect(() => decodeSignature(new Uint8Array(3))).toThrow(RangeError);
    const bad = encodeSignature({ words: Uint32Array.from([3, 2]), residuals: new Uint8Array(2), bytesPerWord: 1 });
    expect(() => decodeSignature(bad)).toThrow(/sorted/);
    expect(() => decodeSignature(bad.subarray(0, bad.length - 1))).toThrow(/length/);
  });
});

describe("scoreShortlist", () => {
  const list = (word: number, items: number[], residuals: number[]): PostingList =>
    ({ word, items: Uint32Array.from(items), residuals: Uint8Array.from(residuals) });

  it("sums σ over shared words, normalises by √(|Wq|·|Wx|), ties by smaller item, skips words the query lacks", () => {
    // D = 8 (1 byte per word): h = 0 → 1, h = 2 → 0.5³ = 0.125, h = 4 → 0 (u = 0).
    const query = { words: Uint32Array.from([2, 7]), residuals: Uint8Array.from([0x00, 0xff]), bytesPerWord: 1 };
    const postings = [
      list(2, [5, 9, 4], [0x00, 0x03, 0x0f]),
      list(3, [1], [0x00]), // not a query word
      list(7, [9, 4], [0xff, 0xff]),
    ];
    const wordCount = (item: number) => ({ 5: 1, 9: 4, 4: 4, 1: 1 })[item]!;
    const result = scoreShortlist(query, postings, wordCount, 10);
    expect(result).toEqual([
      { item: 5, score: 1 / Math.sqrt(2 * 1) },
      { item: 9, score: (0.125 + 1) / Math.sqrt(2 * 4) },
      { item: 4, score: (0 + 1) / Math.sqrt(2 * 4) },
    ]);
    // Ties: items 3 and 8 score the same, smaller first; limit applies after sorting.
    const tie = scoreShortlist(query, [list(2, [8, 3], [0x00, 0x00])], () => 1, 1);
    expect(tie).toEqual([{ item: 3, score: 1 / Math.sqrt(2) }]);
  });

  it("equals a plain Map + full sort reference on random postings with many ties (limit < items)", () => {
    const r = new SeededRandom(9);
    const bpw = 1;
    const query = { words: Uint32Array.from([0, 2, 3, 5, 8]), residuals: Uint8Array.from({ length: 5 }, () => r.nextUint32() & 255), bytesPerWord: bpw };
    const postings: PostingList[] = [];
    for (let word = 0; word < 10; word++) {
      const n = 50 + r.below(200);
      postings.push(list(word, Array.from({ length: n }, () => r.below(300) + (r.below(10) === 0 ? 3_000_000 : 0)),
        Array.from({ length: n }, () => r.nextUint32() & 255)));
    }
    const wordCount = (item: number) => 1 + (item % 4);
    const table = sigmaTable(8);
    const sums = new Map<number, number>();
    for (const p of postings) {
      const qi = query.words.indexOf(p.word);
      if (qi < 0) continue;
      p.items.forEach((item, j) => sums.set(item, (sums.get(item) ?? 0) + table[hamming(query.residuals, qi, p.residuals, j, 1)]));
    }
    const expected = [...sums].map(([item, sum]) => ({ item, score: sum / Math.sqrt(5 * wordCount(item)) }))
      .sort((a, b) => b.score - a.score || a.item - b.item);
    for (const limit of [1, 17, 100, 10_000]) expect(scoreShortlist(query, postings, wordCount, limit)).toEqual(expected.slice(0, limit));
  });

  it("items above the dense range are scored too", () => {
    const query = { words: Uint32Array.from([1]), residuals: Uint8Array.from([0]), bytesPerWord: 1 };
    const r = scoreShortlist(query, [list(1, [4_000_000_000, 7], [0, 0])], () => 1, 5);
    expect(r.map((x) => x.item)).toEqual([7, 4_000_000_000]);
  });
});

describe("codebook asset", () => {
  it("round-trips with its sha-256; every corruption is a CodebookError (code index_unavailable)", async () => {
    const bytes = serialiseCodebook(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2);
    const sha = await sha256Hex(bytes);
    const cb = await parseCodebook(bytes, sha);
    expect(cb).toMatchObject({ numWords: 3, dim: 2, sha256: sha });
    expect(Array.from(cb.centroids)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await sha256Hex(new Uint8Array(0))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const cases: Array<[string, Uint8Array, string | undefined]> = [
      ["truncated", bytes.subarray(0, bytes.length - 4), undefined],
      ["no header", bytes.subarray(0, 10), undefined],
      ["bad magic", Uint8Array.from(bytes, (b, i) => (i === 0 ? 0 : b)), undefined],
      ["sha mismatch", bytes, "0".repeat(64)],
      ["NaN", (() => { const c = bytes.slice(); new DataView(c.buffer).setFloat32(16, NaN, true); return c; })(), undefined],
    ];
    for (const [name, b, expected] of cases) {
      const error = await parseCodebook(b, expected).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(CodebookError);
      expect((error as CodebookError).code).toBe("index_unavailable");
    }
  });
});

describe("k-means", () => {
  it("is deterministic at a fixed seed and separates two obvious clusters", async () => {
    const k = await kernels();
    const r = new SeededRandom(3);
    const data = Float32Array.from({ length: 200 * 2 }, (_, i) => (Math.floor(i / 200) === 0 ? 0 : 10) + (r.nextUint32() / 4294967296 - 0.5));
    const a = trainKMeans(k, data, 200, 2, { numWords: 2, iterations: 20, seed: 7 });
    const b = trainKMeans(k, data, 200, 2, { numWords: 2, iterations: 20, seed: 7 });
    expect(a.centroids).toEqual(b.centroids);
    const xs = [a.centroids[0], a.centroids[2]].sort((p, q) => p - q);
    expect(xs[0]).toBeCloseTo(0, 0);
    expect(xs[1]).toBeCloseTo(10, 0);
  });
});
