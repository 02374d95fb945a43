/**
 * ASMK* similarity over binarised residuals, and shortlist scoring over posting lists.
 * For a word shared by query and item: u = 1 − 2·hamming/D, σ(u) = sign(u)·|u|^α if u > τ, else 0
 * (α = 3, τ = 0 by default). An image's self-similarity is its word count (σ(1) = 1 per word), so
 * score(q, x) = Σ σ / √(|words(q)| · |words(x)|).
 */
import type { ImageSignature } from "./signature";

export interface SimilarityOptions {
  /** Selectivity exponent α (default 3). */
  alpha?: number;
  /** Threshold τ on u (default 0). */
  tau?: number;
  /** D, the number of meaningful bits per residual (default 8 × bytesPerWord). */
  bits?: number;
}

export const DEFAULT_ALPHA = 3;
export const DEFAULT_TAU = 0;

/** One word's postings: parallel arrays; item = SERVICE's internal integer item number. */
export interface PostingList {
  word: number;
  items: Uint32Array;
  /** items.length × bytesPerWord. */
  residuals: Uint8Array;
}

/** σ(u) with u = 1 − 2h/D. */
export function asmkSigma(hamming: number, bits: number, alpha = DEFAULT_ALPHA, tau = DEFAULT_TAU): number {
  const u = 1 - (2 * hamming) / bits;
  return u > tau ? Math.sign(u) * Math.abs(u) ** alpha : 0;
}

/** σ for every hamming distance 0..D. */
export function sigmaTable(bits: number, alpha = DEFAULT_ALPHA, tau = DEFAULT_TAU): Float64Array {
  const table = new Float64Array(bits + 1);
  for (let h = 0; h <= bits; h++) table[h] = asmkSigma(h, bits, alpha, tau);
  return table;
}

export const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Number of differing bits between a[aOffset..+n) and b[bOffset..+n). */
export function hamming(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, n: number): number {
  let h = 0;
  for (let i = 0; i < n; i++) h += POPCOUNT[a[aOffset + i] ^ b[bOffset + i]];
  return h;
}

/** Index of `word` in the sorted `words`, or −1. */
function findWord(words: Uint32Array, word: number): number {
  let lo = 0;
  let hi = words.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const w = words[mid];
    if (w === word) return mid;
    if (w < word) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Items below this number accumulate in a dense array; larger ones in a Map. */
const DENSE_ITEMS = 1 << 21;

/** Per-item score sums that remember which items were touched. */
class ScoreSums {
  dense = new Float64Array(1024);
  seen = new Uint8Array(1024);
  readonly sparse = new Map<number, number>();
  readonly touched: number[] = [];

  /** Makes `dense` hold index `item` (< DENSE_ITEMS). */
  grow(item: number): void {
    let size = this.dense.length;
    while (size <= item) size *= 2;
    const dense = new Float64Array(Math.min(size, DENSE_ITEMS));
    dense.set(this.dense);
    const seen = new Uint8Array(dense.length);
    seen.set(this.seen);
    this.dense = dense;
    this.seen = seen;
  }

  addSparse(item: number, value: number): void {
    const before = this.sparse.get(item);
    if (before === undefined) this.touched.push(item);
    this.sparse.set(item, (before ?? 0) + value);
  }

  get(item: number): number {
    return item >= DENSE_ITEMS ? this.sparse.get(item) ?? 0 : this.dense[item];
  }
}

/**
 * ASMK similarity of the query with every item of the posting lists added to it (lists of words the
 * query lacks are skipped), normalised by both self-similarities. Lists come in as PostingList
 * objects (`addList`) or entry by entry straight from stored bytes (`queryResidualOffset` + `add`,
 * see store/postings.ts scoreHexRows): the sums are the same, added in the same order.
 */
export class ShortlistScorer {
  readonly bytesPerWord: number;
  /** σ by hamming distance. */
  readonly table: Float64Array;
  /** The query's residuals (bytesPerWord per query word). */
  readonly queryResiduals: Uint8Array;
  private readonly sums = new ScoreSums();

  constructor(private readonly query: ImageSignature, options: SimilarityOptions = {}) {
    this.bytesPerWord = query.bytesPerWord;
    this.table = sigmaTable(options.bits ?? 8 * this.bytesPerWord, options.alpha ?? DEFAULT_ALPHA, options.tau ?? DEFAULT_TAU);
    this.queryResiduals = query.residuals;
  }

  /** Offset of `word`'s residual in queryResiduals, or −1 when the query lacks the word. */
  queryResidualOffset(word: number): number {
    const qi = findWord(this.query.words, word);
    return qi < 0 ? -1 : qi * this.bytesPerWord;
  }

  /** Adds one posting's σ to its item's sum. */
  add(item: number, value: number): void {
    const sums = this.sums;
    if (item >= sums.dense.length) {
      if (item >= DENSE_ITEMS) {
        sums.addSparse(item, value);
        return;
      }
      sums.grow(item);
    }
    if (sums.seen[item] === 0) {
      sums.seen[item] = 1;
      sums.touched.push(item);
    }
    sums.dense[item] += value;
  }

  /** Adds σ(query word, item word) of every posting of one list (the hot loop of a search). */
  addList(list: PostingList): void {
    const bpw = this.bytesPerWord;
    const qOffset = this.queryResidualOffset(list.word);
    if (qOffset < 0) return;
    if (list.residuals.length !== list.items.length * bpw) {
      throw new RangeError(`posting list of word ${list.word}: ${list.residuals.length} residual bytes for ${list.items.length} items`);
    }
    const q = this.queryResiduals;
    const items = list.items;
    const r = list.residuals;
    const table = this.table;
    for (let j = 0, o = 0; j < items.length; j++, o += bpw) {
      let h = 0;
      for (let b = 0; b < bpw; b++) h += POPCOUNT[q[qOffset + b] ^ r[o + b]];
      this.add(items[j], table[h]);
    }
  }

  /** The `limit` best items, best first (ties by smaller item). */
  shortlist(itemWordCount: (item: number) => number, limit: number): Array<{ item: number; score: number }> {
    const queryWords = Math.max(1, this.query.words.length);
    const touched = this.sums.touched;
    const scores = new Float64Array(touched.length);
    for (let i = 0; i < touched.length; i++) {
      const item = touched[i];
      scores[i] = this.sums.get(item) / Math.sqrt(queryWords * Math.max(1, itemWordCount(item)));
    }
    return selectBest(touched, scores, limit).map((i) => ({ item: touched[i], score: scores[i] }));
  }
}

/** Indices of the `limit` best (score desc, item asc) among parallel arrays, in order. */
function selectBest(items: number[], scores: Float64Array, limit: number): number[] {
  const n = items.length;
  if (limit <= 0 || n === 0) return [];
  let candidates: number[];
  if (n <= limit) {
    candidates = Array.from({ length: n }, (_, i) => i);
  } else {
    // The limit-th largest score bounds the answer; only scores ≥ it need the full comparator.
    const sorted = Float64Array.from(scores).sort();
    const bound = sorted[n - limit];
    candidates = [];
    for (let i = 0; i < n; i++) if (scores[i] >= bound) candidates.push(i);
  }
  candidates.sort((a, b) => scores[b] - scores[a] || items[a] - items[b]);
  return candidates.slice(0, limit);
}

/**
 * ASMK similarity of the query with every item appearing in `postings` (words the query lacks are
 * skipped), normalised by both self-similarities; best first, at most `limit`; ties by smaller item.
 */
export function scoreShortlist(
  query: ImageSignature,
  postings: Iterable<PostingList>,
  itemWordCount: (item: number) => number,
  limit: number,
  options: SimilarityOptions = {},
): Array<{ item: number; score: number }> {
  const scorer = new ShortlistScorer(query, options);
  for (const list of postings) scorer.addList(list);
  return scorer.shortlist(itemWordCount, limit);
}
