/**
 * Postings row format 1 (segments written before migration 0003; format 2 is store/varint-postings.ts):
 * entries of [item_no u32 LE][item word count u16 LE][residual].
 * Storing each item's word count beside it lets a search normalise scores without reading any
 * per-item row.
 */
export interface PostingList {
  word: number;
  items: Uint32Array;
  residuals: Uint8Array;
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

/** Two hex characters (codes < 128) → their byte: one lookup instead of two in the scoring loop. */
const HEX_PAIR = new Uint8Array(128 * 128);
for (let a = 0; a < 128; a++) for (let b = 0; b < 128; b++) HEX_PAIR[(a << 7) | b] = (NIBBLE[a] << 4) | NIBBLE[b];

/** What scoreHexRows adds postings into (core's ShortlistScorer). */
export interface PostingScorer {
  readonly bytesPerWord: number;
  readonly table: Float64Array;
  readonly queryResiduals: Uint8Array;
  queryResidualOffset(word: number): number;
  add(item: number, value: number): void;
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/**
 * Scores one word's rows straight from the hex text D1 returns: each entry's σ goes into the scorer
 * and its word count into `wordCounts`, with no posting list built in between. The same sums, in the
 * same order, as decodePostingRows + ShortlistScorer.addList (tested). Returns the entries read.
 */
export function scoreHexRows(scorer: PostingScorer, word: number, rows: string[], wordCounts: WordCountSink): number {
  const bpw = scorer.bytesPerWord;
  const size = entryBytes(bpw);
  const qOffset = scorer.queryResidualOffset(word);
  let n = 0;
  if (qOffset < 0) return n;
  const q = scorer.queryResiduals;
  const table = scorer.table;
  const byte = (t: string, o: number) => HEX_PAIR[(t.charCodeAt(o) << 7) | t.charCodeAt(o + 1)];
  for (const t of rows) {
    const end = t.length - 2 * size;
    for (let o = 0; o <= end; o += 2 * size) {
      const item = (byte(t, o) | (byte(t, o + 2) << 8) | (byte(t, o + 4) << 16) | (byte(t, o + 6) << 24)) >>> 0;
      wordCounts.set(item, byte(t, o + 8) | (byte(t, o + 10) << 8));
      let h = 0;
      for (let b = 0; b < bpw; b++) h += POPCOUNT[q[qOffset + b] ^ byte(t, o + 12 + 2 * b)];
      scorer.add(item, table[h]);
      n++;
    }
  }
  return n;
}

/**
 * Hex → bytes (the other way: bytes.ts toHex): D1 returns BLOBs as number arrays (slow); `hex(data)` and
 * `unhex(?)` are ~4× faster.
 */
export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >>> 1);
  for (let i = 0; i < out.length; i++) {
    const a = text.charCodeAt(2 * i);
    const b = text.charCodeAt(2 * i + 1);
    out[i] = (((a & 0xf) + (a > 57 ? 9 : 0)) << 4) | ((b & 0xf) + (b > 57 ? 9 : 0));
  }
  return out;
}
