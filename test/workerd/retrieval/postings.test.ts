// The search's hex decoder gives exactly what the plain byte decoder gives (items, residuals, word counts).
import { expect, it } from "vitest";
import { decodePostingHex, decodePostingRows, entryBytes, toHex, writeEntry, fromHex, WordCounts } from "../../../src/retrieval/store/postings";
import { mulberry32 } from "../../shared/prng";

it("decodePostingHex equals decodePostingRows on random rows, including extreme item numbers", () => {
  const rand = mulberry32(3);
  const bpw = 5;
  const rows: Uint8Array[] = [];
  for (let r = 0; r < 3; r++) {
    const n = 50 + r * 17;
    const row = new Uint8Array(n * entryBytes(bpw));
    let o = 0;
    for (let e = 0; e < n; e++) {
      const item = e === 0 ? 0xffffffff : e === 1 ? 0 : Math.floor(rand() * 2 ** 32);
      const residual = Uint8Array.from({ length: bpw }, () => Math.floor(rand() * 256));
      o = writeEntry(row, o, item, e === 2 ? 70000 : Math.floor(rand() * 2000), residual);
    }
    rows.push(row);
  }
  const plainCounts = new Map<number, number>();
  const hexCounts = new Map<number, number>();
  const plain = decodePostingRows(9, rows, bpw, plainCounts);
  const fast = decodePostingHex(9, rows.map(toHex), bpw, hexCounts);
  expect(fast.word).toBe(9);
  expect(Array.from(fast.items)).toEqual(Array.from(plain.items));
  expect(Array.from(fast.residuals)).toEqual(Array.from(plain.residuals));
  expect([...hexCounts]).toEqual([...plainCounts]);
  expect(plainCounts.get(plain.items[2])).toBe(0xffff); // word count saturates at u16
  expect(plain.items[0]).toBe(0xffffffff);
  // Upper-case hex (SQLite's hex()) and lower-case decode alike.
  expect(Array.from(fromHex(toHex(rows[1]).toUpperCase()))).toEqual(Array.from(rows[1]));
  expect(Array.from(decodePostingHex(9, [toHex(rows[1]).toUpperCase()], bpw, new Map()).items)).toEqual(Array.from(decodePostingRows(9, [rows[1]], bpw, new Map()).items));
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
  // Decoding into WordCounts records the same counts as into a Map.
  const row = new Uint8Array(3 * entryBytes(5));
  let o = 0;
  for (const [item, wc] of [[5, 300], [70000, 12], [0xfffffffe, 65535]] as const) o = writeEntry(row, o, item, wc, new Uint8Array(5).fill(wc & 0xff));
  const viaClass = new WordCounts();
  const viaMap = new Map<number, number>();
  decodePostingHex(1, [toHex(row)], 5, viaClass);
  decodePostingHex(1, [toHex(row)], 5, viaMap);
  for (const [item, wc] of viaMap) expect(viaClass.get(item)).toBe(wc);
});
