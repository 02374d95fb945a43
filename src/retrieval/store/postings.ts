/**
 * The packed postings of one visual word: entries of [item_no u32 LE][item word count u16 LE][residual].
 * Storing each item's word count beside it lets a search normalise scores without reading any
 * per-item row.
 */
export interface PostingList {
  word: number;
  items: Uint32Array;
  residuals: Uint8Array;
}

export interface PostingEntry {
  item: number;
  wordCount: number;
  residual: Uint8Array;
}

export const entryBytes = (bytesPerWord: number) => 6 + bytesPerWord;

/** Where decoding records each item's word count (a Map, or the faster WordCounts). */
export interface WordCountSink {
  set(item: number, wordCount: number): unknown;
}

/**
 * Item number → word count, filled once per posting entry in the search's hot loop: a dense array
 * over item numbers (they are small, consecutive integers) up to DENSE_LIMIT, a Map above it.
 */
export class WordCounts implements WordCountSink {
  static readonly DENSE_LIMIT = 1 << 22;
  private dense = new Uint16Array(1 << 16);
  private readonly sparse = new Map<number, number>();

  set(item: number, wordCount: number): void {
    if (item >= WordCounts.DENSE_LIMIT || wordCount === 0) {
      this.sparse.set(item, wordCount);
      return;
    }
    if (item >= this.dense.length) {
      const grown = new Uint16Array(Math.min(WordCounts.DENSE_LIMIT, Math.max(item + 1, 2 * this.dense.length)));
      grown.set(this.dense);
      this.dense = grown;
    }
    this.dense[item] = wordCount;
  }

  get(item: number): number | undefined {
    const v = item < this.dense.length ? this.dense[item] : 0;
    return v !== 0 ? v : this.sparse.get(item);
  }
}

/** Appends one item's entry for one word. */
export function writeEntry(out: Uint8Array, offset: number, item: number, wordCount: number, residual: Uint8Array): number {
  out[offset] = item & 0xff;
  out[offset + 1] = (item >>> 8) & 0xff;
  out[offset + 2] = (item >>> 16) & 0xff;
  out[offset + 3] = (item >>> 24) & 0xff;
  const wc = Math.min(wordCount, 0xffff);
  out[offset + 4] = wc & 0xff;
  out[offset + 5] = wc >>> 8;
  out.set(residual, offset + 6);
  return offset + 6 + residual.length;
}

/**
 * Decodes the rows of one word (in any number of parts/segments) into one PostingList, keeping only
 * items `keep` accepts, and records each item's word count.
 */
export function decodePostingRows(
  word: number,
  rows: Uint8Array[],
  bytesPerWord: number,
  wordCounts: WordCountSink,
  keep: (item: number) => boolean = () => true,
): PostingList {
  const size = entryBytes(bytesPerWord);
  let total = 0;
  for (const r of rows) total += Math.floor(r.length / size);
  const items = new Uint32Array(total);
  const residuals = new Uint8Array(total * bytesPerWord);
  let n = 0;
  for (const r of rows) {
    for (let o = 0; o + size <= r.length; o += size) {
      const item = (r[o] | (r[o + 1] << 8) | (r[o + 2] << 16) | (r[o + 3] << 24)) >>> 0;
      if (!keep(item)) continue;
      items[n] = item;
      residuals.set(r.subarray(o + 6, o + size), n * bytesPerWord);
      wordCounts.set(item, r[o + 4] | (r[o + 5] << 8));
      n++;
    }
  }
  return { word, items: items.subarray(0, n), residuals: residuals.subarray(0, n * bytesPerWord) };
}

const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[65 + i] = NIBBLE[97 + i] = 10 + i;

/**
 * decodePostingRows straight from the hex text D1 returns (`hex(data)`): no intermediate byte arrays,
 * one pass. This is the search's hot loop (hundreds of thousands of entries per query at 10⁴–10⁵ items).
 */
export function decodePostingHex(word: number, rows: string[], bytesPerWord: number, wordCounts: WordCountSink): PostingList {
  const size = entryBytes(bytesPerWord);
  let total = 0;
  for (const r of rows) total += Math.floor(r.length / (2 * size));
  const items = new Uint32Array(total);
  const residuals = new Uint8Array(total * bytesPerWord);
  const byte = (t: string, o: number) => (NIBBLE[t.charCodeAt(o)] << 4) | NIBBLE[t.charCodeAt(o + 1)];
  let n = 0;
  for (const t of rows) {
    const end = t.length - 2 * size;
    for (let o = 0; o <= end; o += 2 * size) {
      const item = (byte(t, o) | (byte(t, o + 2) << 8) | (byte(t, o + 4) << 16) | (byte(t, o + 6) << 24)) >>> 0;
      items[n] = item;
      wordCounts.set(item, byte(t, o + 8) | (byte(t, o + 10) << 8));
      const r = n * bytesPerWord;
      for (let b = 0; b < bytesPerWord; b++) residuals[r + b] = byte(t, o + 12 + 2 * b);
      n++;
    }
  }
  return { word, items, residuals };
}

/** Hex ⇄ bytes: D1 returns BLOBs as number arrays (slow); `hex(data)` and `unhex(?)` are ~4× faster. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    const end = Math.min(bytes.length, i + 4096);
    const parts = new Array<string>(end - i);
    for (let j = i; j < end; j++) parts[j - i] = HEX[bytes[j]];
    s += parts.join("");
  }
  return s;
}

export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >>> 1);
  for (let i = 0; i < out.length; i++) {
    const a = text.charCodeAt(2 * i);
    const b = text.charCodeAt(2 * i + 1);
    out[i] = (((a & 0xf) + (a > 57 ? 9 : 0)) << 4) | ((b & 0xf) + (b > 57 ? 9 : 0));
  }
  return out;
}
