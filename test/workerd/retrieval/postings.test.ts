// The search scores straight from the hex text D1 returns (scoreHexRows): exactly what the plain path
// gives (decodePostingRows on the bytes, then ShortlistScorer.addList): the same shortlist, bit for bit,
// and the same word counts.
import { expect, it } from "vitest";
import { decodePostingRows, entryBytes, scoreHexRows, writeEntry, fromHex, WordCounts } from "../../../src/retrieval/store/postings";
import { toHex } from "../../../src/bytes";
import { ShortlistScorer } from "../../../src/retrieval/core";
import { mulberry32 } from "../../shared/prng";

function randomRows(rand: () => number, bpw: number, counts: number[], itemRange: number): Uint8Array[] {
  return counts.map((n, r) => {
    const row = new Uint8Array(n * entryBytes(bpw));
    let o = 0;
    for (let e = 0; e < n; e++) {
      const item = r === 0 && e === 0 ? 0xffffffff : r === 0 && e === 1 ? 0 : Math.floor(rand() * itemRange);
      const residual = Uint8Array.from({ length: bpw }, () => Math.floor(rand() * 256));
      o = writeEntry(row, o, item, r === 0 && e === 2 ? 70000 : 1 + Math.floor(rand() * 2000), residual);
    }
    return row;
  });
}

it("scoreHexRows scores exactly as decodePostingRows + ShortlistScorer.addList, upper- or lower-case hex, huge item numbers", () => {
  const rand = mulberry32(3);
  const bpw = 5;
  const queryWords = Uint32Array.from([2, 9, 11, 40]);
  const query = { words: queryWords, residuals: Uint8Array.from({ length: queryWords.length * bpw }, () => Math.floor(rand() * 256)), bytesPerWord: bpw };
  // Words 2, 9, 40 in the query (several rows each, items repeating across words), 5 not (skipped).
  const perWord = new Map<number, Uint8Array[]>([
    [2, randomRows(rand, bpw, [50, 67], 3000)],
    [5, randomRows(rand, bpw, [30], 3000)],
    [9, randomRows(rand, bpw, [84, 1, 20], 3000)],
    [40, randomRows(rand, bpw, [300], 5_000_000)],
  ]);
  const plain = new ShortlistScorer(query);
  const plainCounts = new Map<number, number>();
  const fast = new ShortlistScorer(query);
  const fastCounts = new Map<number, number>();
  let entries = 0;
  for (const [word, rows] of perWord) {
    if (query.words.includes(word)) plain.addList(decodePostingRows(word, rows, bpw, plainCounts));
    entries += scoreHexRows(fast, word, rows.map((r, i) => (i % 2 ? toHex(r).toUpperCase() : toHex(r))), fastCounts);
  }
  expect(entries).toBe(50 + 67 + 84 + 1 + 20 + 300);
  expect([...fastCounts].sort((a, b) => a[0] - b[0])).toEqual([...plainCounts].sort((a, b) => a[0] - b[0]));
  expect(fastCounts.get(0xffffffff)).toBeDefined();
  const wc = (item: number) => plainCounts.get(item) ?? 1;
  const expected = plain.shortlist(wc, 10_000);
  expect(expected.length).toBeGreaterThan(300);
  expect(fast.shortlist(wc, 10_000)).toEqual(expected);
  // Upper-case hex (SQLite's hex()) and lower-case decode alike.
  const row = perWord.get(9)![0];
  expect(Array.from(fromHex(toHex(row).toUpperCase()))).toEqual(Array.from(row));
});

it("WordCounts answers like a Map: dense range, growth, huge item numbers, unknown items", () => {
  const counts = new WordCounts();
  const map = new Map<number, number>();
  const rand = mulberry32(5);
  const items = [0, 1, 65535, 65536, 200_000, WordCounts.DENSE_LIMIT - 1, WordCounts.DENSE_LIMIT, 0xffffffff];
  for (let i = 0; i < 2000; i++) items.push(Math.floor(rand() * 3_000_000));
  for (const item of items) {
    const wc = 1 + Math.floor(rand() * 65535);
    counts.set(item, wc);
    map.set(item, wc);
  }
  for (const item of [...items, 7, 12345678]) expect(counts.get(item)).toBe(map.get(item));
  // Scoring into WordCounts records the same counts as into a Map.
  const row = new Uint8Array(3 * entryBytes(5));
  let o = 0;
  for (const [item, wc] of [[5, 300], [70000, 12], [0xfffffffe, 65535]] as const) o = writeEntry(row, o, item, wc, new Uint8Array(5).fill(wc & 0xff));
  const viaClass = new WordCounts();
  const viaMap = new Map<number, number>();
  const query = { words: Uint32Array.of(1), residuals: new Uint8Array(5), bytesPerWord: 5 };
  scoreHexRows(new ShortlistScorer(query), 1, [toHex(row)], viaClass);
  scoreHexRows(new ShortlistScorer(query), 1, [toHex(row)], viaMap);
  for (const [item, wc] of viaMap) expect(viaClass.get(item)).toBe(wc);
});

// Format 2 (store/varint-postings.ts): delta varints as base64 text.
import { decodeVarintRow, encodeVarintRows, fromBase64, scoreVarintRows, toBase64, type Entry } from "../../../src/retrieval/store/varint-postings";

it("base64 round-trips every length and matches btoa", () => {
  const rand = mulberry32(11);
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
    const text = toBase64(bytes);
    expect(text).toBe(btoa(String.fromCharCode(...bytes)));
    const { bytes: out, length } = fromBase64(text);
    expect(length).toBe(n);
    expect(Array.from(out.subarray(0, length))).toEqual(Array.from(bytes));
  }
});

it("varint rows: every varint boundary of items and word counts decodes exactly, in item order, split across rows", () => {
  const rand = mulberry32(12);
  const items = [0, 1, 127, 128, 129, 16383, 16384, 16385, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 0xfffffffe, 0xffffffff];
  for (let i = 0; i < 300; i++) items.push(1000 + Math.floor(rand() * 5000) * 3);
  const unique = [...new Set(items)];
  const counts = [0, 1, 127, 128, 16383, 16384, 65535, 70000];
  const entries: Entry[] = unique.map((item, i) => ({
    item,
    wordCount: i < counts.length ? counts[i] : 1 + Math.floor(rand() * 2000),
    residual: Uint8Array.from({ length: 5 }, () => Math.floor(rand() * 256)),
  }));
  const rows = encodeVarintRows(entries.slice().reverse(), 5, 200);
  expect(rows.length).toBeGreaterThan(5);
  const decoded = rows.flatMap((r) => {
    const e = decodeVarintRow(r.text, 5);
    expect(e.length).toBe(r.entries);
    expect(r.bytes).toBe(r.text.length);
    return e;
  });
  const expected = [...entries].sort((a, b) => a.item - b.item).map((e) => ({ ...e, wordCount: Math.min(e.wordCount, 0xffff) }));
  expect(decoded.map((e) => [e.item, e.wordCount, Array.from(e.residual)])).toEqual(expected.map((e) => [e.item, e.wordCount, Array.from(e.residual)]));
  // One-byte deltas (< 128), two-byte counts: 1 + 2 + 5 bytes per entry; a delta of 128 takes two.
  const entryOf = (item: number) => ({ item, wordCount: 460, residual: new Uint8Array(5) });
  expect(encodeVarintRows(Array.from({ length: 300 }, (_, i) => entryOf(127 * i)), 5, 1 << 20)[0].text.length).toBe((300 * 8 / 3) * 4);
  expect(encodeVarintRows(Array.from({ length: 300 }, (_, i) => entryOf(128 * i)), 5, 1 << 20)[0].text.length).toBe(Math.ceil((8 + 299 * 9) / 3) * 4);
});

it("scoreVarintRows scores exactly as format 1's decodePostingRows + ShortlistScorer.addList", () => {
  const rand = mulberry32(13);
  const bpw = 5;
  const queryWords = Uint32Array.from([2, 9, 11, 40]);
  const query = { words: queryWords, residuals: Uint8Array.from({ length: queryWords.length * bpw }, () => Math.floor(rand() * 256)), bytesPerWord: bpw };
  const plain = new ShortlistScorer(query);
  const plainCounts = new Map<number, number>();
  const fast = new ShortlistScorer(query);
  const fastCounts = new Map<number, number>();
  let entries = 0;
  for (const [word, n, range] of [[2, 117, 3000], [5, 30, 3000], [9, 105, 3000], [40, 300, 5_000_000]] as const) {
    const chosen = new Set<number>([0, 0xffffffff]);
    while (chosen.size < n) chosen.add(Math.floor(rand() * range));
    const list: Entry[] = [...chosen].map((item) => ({ item, wordCount: 1 + Math.floor(rand() * 3000), residual: Uint8Array.from({ length: bpw }, () => Math.floor(rand() * 256)) }));
    const fixed = new Uint8Array(list.length * entryBytes(bpw));
    list.reduce((o, e) => writeEntry(fixed, o, e.item, e.wordCount, e.residual), 0);
    if (query.words.includes(word)) plain.addList(decodePostingRows(word, [fixed], bpw, plainCounts));
    entries += scoreVarintRows(fast, word, encodeVarintRows(list, bpw, 512).map((r) => r.text), fastCounts);
  }
  expect(entries).toBe(117 + 105 + 300);
  expect([...fastCounts].sort((a, b) => a[0] - b[0])).toEqual([...plainCounts].sort((a, b) => a[0] - b[0]));
  const wc = (item: number) => plainCounts.get(item) ?? 1;
  const expected = plain.shortlist(wc, 10_000);
  expect(expected.length).toBeGreaterThan(300);
  expect(fast.shortlist(wc, 10_000)).toEqual(expected);
});
