/**
 * Postings row format 2 (issue 13, fourth round): per entry, in ascending item order,
 *   [varint item − previous item (the first: the item itself)][varint word count][residual bytes],
 * stored as base64 TEXT. Against format 1 (store/postings.ts: item u32, count u16, residual; a BLOB
 * read out through SQLite's hex()) an entry is ≈ 8 B instead of 11, and D1 hands the text over as it
 * is stored: 4/3 characters per byte instead of hex's 2, with no hex() in the statement.
 * Varints are LEB128 (7 bits per byte, low first, high bit = more).
 */
import type { PostingScorer, WordCountSink } from "./postings";
import { bytesToBase64 } from "../../bytes";

/** segments.format: 1 = fixed 11-B entries in a BLOB, 2 = this file's format. */
export const FORMAT_FIXED = 1;
export const FORMAT_VARINT = 2;

export interface Entry {
  item: number;
  wordCount: number;
  /** bytesPerWord bytes. */
  residual: Uint8Array;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Character code → its 6 bits ('=' and anything else: 0; lengths come from the padding). */
const SEXTET = new Uint8Array(128);
for (let i = 0; i < 64; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

export function toBase64(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return bytesToBase64(bytes.subarray(start, end));
}

/** Decodes base64 `text` into `out` (grown when short); returns the buffer and the byte length. */
export function fromBase64(text: string, out: Uint8Array = new Uint8Array(0)): { bytes: Uint8Array; length: number } {
  const n = text.length;
  const pad = n === 0 ? 0 : text.charCodeAt(n - 1) !== 61 ? 0 : text.charCodeAt(n - 2) !== 61 ? 1 : 2;
  const length = (n >>> 2) * 3 - pad;
  if (out.length < length + 3) out = new Uint8Array(Math.max(length + 3, 2 * out.length));
  for (let i = 0, o = 0; i < n; i += 4, o += 3) {
    const v = (SEXTET[text.charCodeAt(i)] << 18) | (SEXTET[text.charCodeAt(i + 1)] << 12) | (SEXTET[text.charCodeAt(i + 2)] << 6) | SEXTET[text.charCodeAt(i + 3)];
    out[o] = v >>> 16;
    out[o + 1] = (v >>> 8) & 0xff;
    out[o + 2] = v & 0xff;
  }
  return { bytes: out, length };
}

function writeVarint(out: Uint8Array, o: number, value: number): number {
  while (value >= 128) {
    out[o++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  out[o++] = value;
  return o;
}

/**
 * Encodes `entries` (any order: sorted here by item; items unique) as rows of at most `maxRowBytes`
 * bytes before base64, each row starting from item 0 so that every row decodes alone. A word count
 * above 0xffff is stored as 0xffff, as format 1 does.
 */
export function encodeVarintRows(entries: Entry[], bytesPerWord: number, maxRowBytes: number): Array<{ text: string; entries: number; bytes: number }> {
  const sorted = [...entries].sort((a, b) => a.item - b.item);
  const maxEntry = 5 + 3 + bytesPerWord;
  const buffer = new Uint8Array(Math.max(maxEntry, Math.min(maxRowBytes, sorted.length * maxEntry)) + maxEntry);
  const rows: Array<{ text: string; entries: number; bytes: number }> = [];
  let o = 0;
  let previous = 0;
  let count = 0;
  const flush = () => {
    const text = toBase64(buffer, 0, o);
    rows.push({ text, entries: count, bytes: text.length });
    o = 0;
    previous = 0;
    count = 0;
  };
  for (const e of sorted) {
    if (e.residual.length !== bytesPerWord) throw new RangeError(`entry of item ${e.item}: ${e.residual.length} residual bytes, expected ${bytesPerWord}`);
    if (o > 0 && o + maxEntry > maxRowBytes) flush();
    o = writeVarint(buffer, o, e.item - previous);
    o = writeVarint(buffer, o, Math.min(e.wordCount, 0xffff));
    buffer.set(e.residual, o);
    o += bytesPerWord;
    previous = e.item;
    count++;
  }
  if (count > 0) flush();
  return rows;
}

let scratch: Uint8Array = new Uint8Array(1 << 16);

/** The entries of one format-2 row, in stored (ascending item) order. */
export function decodeVarintRow(text: string, bytesPerWord: number): Entry[] {
  const { bytes, length } = fromBase64(text);
  const out: Entry[] = [];
  let item = 0;
  for (let p = 0; p < length; ) {
    let v = 0;
    let scale = 1;
    let b: number;
    do {
      b = bytes[p++];
      v += (b & 127) * scale;
      scale *= 128;
    } while (b & 128);
    item += v;
    let wc = 0;
    scale = 1;
    do {
      b = bytes[p++];
      wc += (b & 127) * scale;
      scale *= 128;
    } while (b & 128);
    if (p + bytesPerWord > length) throw new RangeError(`postings row truncated at byte ${p} of ${length}`);
    out.push({ item, wordCount: wc, residual: bytes.slice(p, p + bytesPerWord) });
    p += bytesPerWord;
  }
  return out;
}

/**
 * Scores one word's format-2 rows straight from their base64 text (the hot loop of a search): each
 * entry's σ goes into the scorer and its word count into `wordCounts`. Every item gets one σ per word,
 * so its sum is added in word order whatever the entry order: the same sums as the format-1 path.
 * Returns the entries read.
 */
export function scoreVarintRows(scorer: PostingScorer, word: number, rows: string[], wordCounts: WordCountSink): number {
  const bpw = scorer.bytesPerWord;
  const qOffset = scorer.queryResidualOffset(word);
  if (qOffset < 0) return 0;
  const q = scorer.queryResiduals;
  const table = scorer.table;
  let n = 0;
  for (const text of rows) {
    const decoded = fromBase64(text, scratch);
    const bytes = (scratch = decoded.bytes);
    const length = decoded.length;
    let item = 0;
    for (let p = 0; p < length; ) {
      let b = bytes[p++];
      let v = b & 127;
      for (let scale = 128; b & 128; scale *= 128) {
        b = bytes[p++];
        v += (b & 127) * scale;
      }
      item += v;
      b = bytes[p++];
      let wc = b & 127;
      for (let scale = 128; b & 128; scale *= 128) {
        b = bytes[p++];
        wc += (b & 127) * scale;
      }
      wordCounts.set(item, wc);
      let h = 0;
      for (let k = 0; k < bpw; k++) h += POPCOUNT[q[qOffset + k] ^ bytes[p + k]];
      p += bpw;
      scorer.add(item, table[h]);
      n++;
    }
  }
  return n;
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];
