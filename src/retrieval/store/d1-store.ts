/**
 * The retrieval index on the platform's storage: D1 holds ids, metadata, segments and the postings
 * (one row per visual word × segment), R2 holds each item version's packed features.
 *
 * Consistency without locks: every indexed version gets a fresh item number; a version becomes
 * visible in ONE D1 transaction (its postings, its segment and its `items` row), and a search only
 * trusts postings whose item number is the live one of its id. Postings of replaced or deleted
 * versions are ignored until a compaction drops them.
 */
import { decodePostingRows, fromHex, scoreHexRows, WordCounts, type PostingScorer } from "./postings";
import { toHex } from "../../bytes";
import { decodeVarintRow, encodeVarintRows, FORMAT_FIXED, FORMAT_VARINT, scoreVarintRows, type Entry } from "./varint-postings";
import { packFeatures, unpackFeatures, type StoredFeatures } from "./packed-features";
import type { FeatureSet } from "../../features/feature-set";

/** The part of an ASMK* signature the store needs (sorted unique words, one residual per word). */
export interface StoredSignature {
  words: Uint32Array;
  residuals: Uint8Array;
  bytesPerWord: number;
  /** Each feature's nearest word, stored with the features (the shared-word re-rank); absent: not stored. */
  featureWords?: Int32Array;
}

export interface NewItemVersion {
  id: string;
  features: FeatureSet;
  signature: StoredSignature;
  /** JSON text, already validated (≤ 2 KiB), or null. */
  metadata: string | null;
}

export interface ItemRecord {
  id: string;
  itemNo: number;
  numFeatures: number;
  numWords: number;
  metadata: unknown;
  featuresBytes: number;
  postingsBytes: number;
  indexedAt: string;
}

export interface IndexStats {
  items: number;
  features: number;
  featuresBytes: number;
  postingsBytes: number;
  segments: number;
}

/** Writes guarded by a batch-job item: only the attempt that flips it pending → done writes anything. */
export interface JobGuard {
  job: string;
  position: number;
}

/** Bounds that keep every statement and row inside D1's limits (100 KB SQL text, 2 MB per row). */
const MAX_ROW_BYTES = 256 * 1024;
const MAX_PARAM_CHARS = 512 * 1024;
/** Tiered compaction: this many live segments of one level merge into one of the next level. */
const FANOUT_LEVEL0 = 16;
const FANOUT = 8;
/** No merge above this level (a level-4 segment holds 16 · 8³ writes' items). */
const MAX_LEVEL = 4;
/** Bytes of input postings read per word range of a merge. */
const COMPACTION_CHUNK_BYTES = 4 * 1024 * 1024;
/** Word ranges merged per compaction step (per invocation's step): bounds one step's reads and CPU. */
const COMPACTION_STEP_CHUNKS = 4;
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];
const LEASE_MS = 5 * 60_000;

const varintBytes = (v: number) => (v < 1 << 7 ? 1 : v < 1 << 14 ? 2 : v < 1 << 21 ? 3 : v < 1 << 28 ? 4 : 5);

/** Which of a query's words a search reads (see D1RetrievalStore.postingsStatement). */
export interface WordSelection {
  maxDf: number;
  minEntries: number;
  /** Entries read per indexed item (Infinity: no budget), but at least minBudget. */
  budgetPerItem: number;
  minBudget: number;
}

export const READ_ALL: WordSelection = { maxDf: 1, minEntries: 0, budgetPerItem: Infinity, minBudget: 0 };

export const featuresKey = (itemNo: number) => `features/${itemNo}`;

function rowOf(r: Record<string, unknown>): ItemRecord {
  return {
    id: String(r.id),
    itemNo: Number(r.item_no),
    numFeatures: Number(r.num_features),
    numWords: Number(r.num_words),
    metadata: r.metadata === null || r.metadata === undefined ? null : JSON.parse(String(r.metadata)),
    featuresBytes: Number(r.features_bytes),
    postingsBytes: Number(r.postings_bytes),
    indexedAt: new Date(Number(r.indexed_at)).toISOString(),
  };
}

/** Splits [word, part, text, entries] rows into JSON parameters of at most MAX_PARAM_CHARS. */
function chunkRows(rows: PostingRow[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const row of rows) {
    const text = JSON.stringify(row);
    if (size + text.length > MAX_PARAM_CHARS && current.length) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      size = 0;
    }
    current.push(text);
    size += text.length + 1;
  }
  if (current.length) chunks.push(`[${current.join(",")}]`);
  return chunks;
}

/** [word, part, base64 text, entries] of one format-2 postings row. */
type PostingRow = [number, number, string, number];

/** word → entries, as format-2 rows of at most MAX_ROW_BYTES (before base64); bytes = stored characters. */
function postingRows(perWord: Map<number, Entry[]>, bytesPerWord: number): { rows: PostingRow[]; bytes: number } {
  const rows: PostingRow[] = [];
  let bytes = 0;
  for (const word of [...perWord.keys()].sort((a, b) => a - b)) {
    encodeVarintRows(perWord.get(word)!, bytesPerWord, MAX_ROW_BYTES).forEach((r, part) => {
      rows.push([word, part, r.text, r.entries]);
      bytes += r.bytes;
    });
  }
  return { rows, bytes };
}

/** The entries of one stored row of either format (format 1 comes out of SQLite as hex). */
function decodeStoredRow(format: number, text: string, bytesPerWord: number): Entry[] {
  if (format === FORMAT_VARINT) return decodeVarintRow(text, bytesPerWord);
  const wordCounts = new Map<number, number>();
  const list = decodePostingRows(0, [fromHex(text)], bytesPerWord, wordCounts);
  return Array.from(list.items, (item, e) => ({ item, wordCount: wordCounts.get(item)!, residual: list.residuals.slice(e * bytesPerWord, (e + 1) * bytesPerWord) }));
}

/** One postings row as text whatever its segment's format: format 1 BLOBs through hex(), format 2 as stored. */
const ROW_TEXT = `CASE s.format WHEN ${FORMAT_FIXED} THEN hex(p.data) ELSE p.data END`;

/** The statements that insert format-2 rows (postings and their counts) of one segment, guarded by `where`. */
function insertRows(db: D1Database, rows: PostingRow[], segmentParam: string, where: string, args: unknown[]): D1PreparedStatement[] {
  const n = args.length;
  return chunkRows(rows).flatMap((chunk) => [
    db
      .prepare(`INSERT INTO postings (word, segment, part, data) SELECT json_extract(value, '$[0]'), ${segmentParam}, json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?${n + 1}) WHERE ${where}`)
      .bind(...args, chunk),
    db
      .prepare(
        `INSERT INTO posting_counts (word, segment, entries) SELECT json_extract(value, '$[0]'), ${segmentParam}, sum(json_extract(value, '$[3]')) FROM json_each(?${n + 1}) WHERE ${where}
         GROUP BY json_extract(value, '$[0]') ON CONFLICT (word, segment) DO UPDATE SET entries = entries + excluded.entries`,
      )
      .bind(...args, chunk),
  ]);
}

export class D1RetrievalStore {
  constructor(
    private readonly db: D1Database,
    private readonly bucket: R2Bucket,
    /** Bytes of input postings per merged word range (tests make it tiny to force many steps). */
    private readonly compactionChunkBytes = COMPACTION_CHUNK_BYTES,
  ) {}

  /** Reserves `n` consecutive numbers of a counter; returns the first. */
  private async reserve(name: "item_no" | "segment", n: number): Promise<number> {
    const row = await this.db.prepare("UPDATE counters SET value = value + ?1 WHERE name = ?2 RETURNING value").bind(n, name).first<{ value: number }>();
    if (!row) throw new Error(`counter ${name} missing: are the D1 migrations applied?`);
    return row.value - n + 1;
  }

  /**
   * Adds item versions as one new level-0 segment, in one transaction; ids already indexed are
   * replaced. With a guard (one batch-job item), nothing is written unless this attempt is the one
   * that marks the job item done. Returns null when the guard lost.
   */
  async writeItems(items: NewItemVersion[], guard?: JobGuard): Promise<Array<{ id: string; itemNo: number; replaced: boolean }> | null> {
    if (items.length === 0) return [];
    if (guard && items.length !== 1) throw new Error("a guarded write holds exactly one item");
    const firstItem = await this.reserve("item_no", items.length);
    const segment = await this.reserve("segment", 1);
    const now = Date.now();
    const perWord = new Map<number, Entry[]>();
    const itemRows: Array<Record<string, unknown>> = [];
    const packed = items.map((item) => packFeatures(item.features, item.signature.featureWords));
    const bytesPerWord = items[0].signature.bytesPerWord;
    items.forEach((item, i) => {
      const itemNo = firstItem + i;
      const s = item.signature;
      if (s.bytesPerWord !== bytesPerWord) throw new RangeError("items of one write have residuals of one size");
      for (let w = 0; w < s.words.length; w++) {
        const entry = { item: itemNo, wordCount: s.words.length, residual: s.residuals.subarray(w * s.bytesPerWord, (w + 1) * s.bytesPerWord) };
        const list = perWord.get(s.words[w]);
        if (list) list.push(entry);
        else perWord.set(s.words[w], [entry]);
      }
      itemRows.push({
        id: item.id,
        item_no: itemNo,
        num_features: item.features.features.count,
        num_words: s.words.length,
        metadata: item.metadata,
        features_bytes: packed[i].length,
        // Stored characters of its entries, were each alone in its row (a delta of one byte; base64's 4/3).
        postings_bytes: Math.ceil((s.words.length * (1 + varintBytes(Math.min(s.words.length, 0xffff)) + s.bytesPerWord) * 4) / 3),
      });
    });
    const { rows, bytes } = postingRows(perWord, bytesPerWord);

    // Features first: a version is only reachable once its items row commits, after this.
    await Promise.all(packed.map((bytes, i) => this.bucket.put(featuresKey(firstItem + i), bytes)));

    const guardSql = guard ? "EXISTS (SELECT 1 FROM job_items WHERE job = ?1 AND position = ?2 AND item_no = ?3)" : "1";
    const guardArgs = guard ? [guard.job, guard.position, firstItem] : [];
    const n = guardArgs.length;
    const statements: D1PreparedStatement[] = [];
    if (guard)
      statements.push(
        this.db
          .prepare("UPDATE job_items SET status = 'done', item_no = ?3, code = NULL, message = NULL WHERE job = ?1 AND position = ?2 AND status = 'pending'")
          .bind(...guardArgs),
      );
    const ids = JSON.stringify(items.map((i) => i.id));
    statements.push(this.db.prepare(`SELECT item_no FROM items WHERE id IN (SELECT value FROM json_each(?${n + 1})) AND ${guardSql}`).bind(...guardArgs, ids));
    statements.push(
      this.db
        .prepare(`INSERT INTO segments (segment, level, state, num_items, bytes, created_at, format) SELECT ?${n + 1}, 0, 'live', ?${n + 2}, ?${n + 3}, ?${n + 4}, ${FORMAT_VARINT} WHERE ${guardSql}`)
        .bind(...guardArgs, segment, items.length, bytes, now),
    );
    statements.push(...insertRows(this.db, rows, `?${n + 1}`, guardSql, [...guardArgs, segment]));
    statements.push(
      this.db
        .prepare(
          `INSERT INTO items (id, item_no, num_features, num_words, metadata, features_bytes, postings_bytes, indexed_at)
           SELECT json_extract(value, '$.id'), json_extract(value, '$.item_no'), json_extract(value, '$.num_features'), json_extract(value, '$.num_words'),
                  json_extract(value, '$.metadata'), json_extract(value, '$.features_bytes'), json_extract(value, '$.postings_bytes'), ?${n + 2}
           FROM json_each(?${n + 1}) WHERE ${guardSql}
           ON CONFLICT (id) DO UPDATE SET item_no = excluded.item_no, num_features = excluded.num_features, num_words = excluded.num_words,
             metadata = excluded.metadata, features_bytes = excluded.features_bytes, postings_bytes = excluded.postings_bytes, indexed_at = excluded.indexed_at`,
        )
        .bind(...guardArgs, JSON.stringify(itemRows), now),
    );
    let results: D1Result[];
    try {
      results = await this.db.batch(statements);
    } catch (error) {
      await this.bucket.delete(packed.map((_, i) => featuresKey(firstItem + i)));
      throw error;
    }
    if (guard && (results[0].meta.changes ?? 0) === 0) {
      await this.bucket.delete(featuresKey(firstItem));
      return null;
    }
    const old = (results[guard ? 1 : 0].results as Array<{ item_no: number }>).map((r) => featuresKey(r.item_no));
    if (old.length) await this.bucket.delete(old);
    const replaced = new Set<number>((results[guard ? 1 : 0].results as Array<{ item_no: number }>).map((r) => r.item_no));
    return items.map((item, i) => ({ id: item.id, itemNo: firstItem + i, replaced: replaced.size > 0 }));
  }

  async getItem(id: string): Promise<ItemRecord | null> {
    const row = await this.db.prepare("SELECT * FROM items WHERE id = ?1").bind(id).first<Record<string, unknown>>();
    return row ? rowOf(row) : null;
  }

  /** Removes an id; true when it existed. Its postings become stale at once (no live item number). */
  async deleteItem(id: string): Promise<boolean> {
    const row = await this.db.prepare("DELETE FROM items WHERE id = ?1 RETURNING item_no").bind(id).first<{ item_no: number }>();
    if (!row) return false;
    await this.bucket.delete(featuresKey(row.item_no));
    return true;
  }

  async stats(): Promise<IndexStats> {
    const [items, segments] = await this.db.batch([
      this.db.prepare("SELECT count(*) AS n, coalesce(sum(num_features), 0) AS f, coalesce(sum(features_bytes), 0) AS fb FROM items"),
      this.db.prepare("SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM segments WHERE state = 'live'"),
    ]);
    const i = items.results[0] as { n: number; f: number; fb: number };
    const s = segments.results[0] as { n: number; b: number };
    return { items: i.n, features: i.f, featuresBytes: i.fb, postingsBytes: s.b, segments: s.n };
  }

  /**
   * The statement that reads the query words' live postings rows ([word, format, text], in word,
   * segment, part order), keeping only the words `select` allows; `columns` replaces the selected
   * columns (the benchmark's probe times the same statement with other outputs).
   * Word choice, from posting_counts (entries of stale versions not yet compacted away count too):
   *   - stop words: a word with more than max(maxDf × items, minEntries) entries is not read;
   *   - budget: the remaining words are read rarest first (ties: smaller word) while their entries add up to
   *     at most max(budgetPerItem × items, minBudget).
   */
  postingsStatement(words: Uint32Array, select: WordSelection, columns = `p.word, s.format, ${ROW_TEXT}`): D1PreparedStatement {
    return this.db
      .prepare(
        `WITH n AS (SELECT count(*) AS items FROM items),
         df AS (
           SELECT c.word AS word, sum(c.entries) AS entries FROM posting_counts c JOIN segments s ON s.segment = c.segment
           WHERE s.state = 'live' AND c.word IN (SELECT value FROM json_each(?1)) GROUP BY c.word),
         kept AS (
           SELECT word FROM (
             SELECT word, sum(entries) OVER (ORDER BY entries, word ROWS UNBOUNDED PRECEDING) AS total FROM df
             WHERE entries <= max(?2 * (SELECT items FROM n), ?3))
           WHERE total <= max(?4 * (SELECT items FROM n), ?5))
         SELECT ${columns} FROM postings p JOIN segments s ON s.segment = p.segment
         WHERE s.state = 'live' AND p.word IN (SELECT word FROM kept) ORDER BY p.word, p.segment, p.part`,
      )
      .bind(JSON.stringify(Array.from(words)), select.maxDf, select.minEntries, Math.min(select.budgetPerItem, 1e12), select.minBudget);
  }

  /**
   * Scores the live segments' postings of the scorer's query words (one SQL statement: one consistent
   * snapshot) straight from the rows (scoreHexRows for format 1, scoreVarintRows for format 2), and
   * records each item's word count. Entries of stale versions are scored too; `resolveItems` tells which
   * item numbers are live. `chars` = the text moved out of D1.
   */
  async scorePostings(
    scorer: PostingScorer,
    words: Uint32Array,
    select: WordSelection = READ_ALL,
  ): Promise<{ wordCounts: WordCounts; entries: number; chars: number; rows: number; queryMs: number; scoreMs: number }> {
    const wordCounts = new WordCounts();
    if (words.length === 0) return { wordCounts, entries: 0, chars: 0, rows: 0, queryMs: 0, scoreMs: 0 };
    const t0 = performance.now();
    const results = await this.postingsStatement(words, select).raw<[number, number, string]>();
    const t1 = performance.now();
    let chars = 0;
    let entries = 0;
    const fixed: string[] = [];
    const varint: string[] = [];
    for (let i = 0; i < results.length; ) {
      const word = results[i][0];
      fixed.length = varint.length = 0;
      for (; i < results.length && results[i][0] === word; i++) {
        (results[i][1] === FORMAT_VARINT ? varint : fixed).push(results[i][2]);
        chars += results[i][2].length;
      }
      if (fixed.length) entries += scoreHexRows(scorer, word, fixed, wordCounts);
      if (varint.length) entries += scoreVarintRows(scorer, word, varint, wordCounts);
    }
    return { wordCounts, entries, chars, rows: results.length, queryMs: t1 - t0, scoreMs: performance.now() - t1 };
  }

  /** The live items among `itemNos` (stale versions are absent). */
  async resolveItems(itemNos: number[]): Promise<Map<number, ItemRecord>> {
    const out = new Map<number, ItemRecord>();
    if (itemNos.length === 0) return out;
    const { results } = await this.db
      .prepare("SELECT * FROM items WHERE item_no IN (SELECT value FROM json_each(?1))")
      .bind(JSON.stringify(itemNos))
      .all<Record<string, unknown>>();
    for (const r of results) out.set(Number(r.item_no), rowOf(r));
    return out;
  }

  /** An item version's features, or null when it is gone (replaced or deleted since). */
  async readFeatures(itemNo: number): Promise<StoredFeatures | null> {
    const object = await this.bucket.get(featuresKey(itemNo));
    if (!object) return null;
    return unpackFeatures(new Uint8Array(await object.arrayBuffer()));
  }

  /**
   * One bounded step of tiered compaction, if one is due: continues the merge in progress, or starts
   * one (the oldest FANOUT live segments of the lowest crowded level → one segment of the next level,
   * stale entries dropped). A step merges at most COMPACTION_STEP_CHUNKS chunks of words, so no
   * invocation does a whole large merge; the last step swaps the merged segment in. Returns false when
   * nothing was due or another compaction holds the lease.
   */
  async compactOnce(numWords: number, bytesPerWord: number): Promise<boolean> {
    const holder = crypto.randomUUID();
    const now = Date.now();
    const [, lease] = await this.db.batch([
      this.db
        .prepare(
          `INSERT INTO leases (name, holder, expires_at) VALUES ('compaction', ?1, ?2)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.expires_at < ?3`,
        )
        .bind(holder, now + LEASE_MS, now),
      this.db.prepare("SELECT holder FROM leases WHERE name = 'compaction'"),
    ]);
    if ((lease.results[0] as { holder: string } | undefined)?.holder !== holder) return false;
    try {
      // Retired segments are garbage; so is a 'building' one without a merge record (left by an older version).
      await this.db.batch([
        this.db.prepare("DELETE FROM postings WHERE segment IN (SELECT segment FROM segments WHERE state = 'retired' OR (state = 'building' AND merge_inputs IS NULL))"),
        this.db.prepare("DELETE FROM posting_counts WHERE segment IN (SELECT segment FROM segments WHERE state = 'retired' OR (state = 'building' AND merge_inputs IS NULL))"),
        this.db.prepare("DELETE FROM segments WHERE state = 'retired' OR (state = 'building' AND merge_inputs IS NULL)"),
      ]);
      const building = await this.db
        .prepare("SELECT segment, merge_inputs, next_word, hex(merged_items) AS merged, format FROM segments WHERE state = 'building' ORDER BY segment LIMIT 1")
        .first<{ segment: number; merge_inputs: string; next_word: number; merged: string; format: number }>();
      if (building && building.format !== FORMAT_VARINT) {
        // A merge an older version began writes format-1 rows: it starts over in format 2 (its inputs are intact).
        await this.db.batch([
          this.db.prepare("DELETE FROM postings WHERE segment = ?1").bind(building.segment),
          this.db.prepare("DELETE FROM posting_counts WHERE segment = ?1").bind(building.segment),
          this.db.prepare(`UPDATE segments SET format = ${FORMAT_VARINT}, next_word = 0, bytes = 0, merged_items = x'' WHERE segment = ?1`).bind(building.segment),
        ]);
        building.next_word = 0;
        building.merged = "";
      }
      if (building) {
        await this.mergeStep({ segment: building.segment, inputs: JSON.parse(building.merge_inputs), nextWord: building.next_word, merged: fromHex(building.merged) }, numWords, bytesPerWord);
        return true;
      }
      const { results: live } = await this.db
        .prepare("SELECT segment, level, bytes FROM segments WHERE state = 'live' ORDER BY level, segment")
        .all<{ segment: number; level: number; bytes: number }>();
      for (let l = 0; l < MAX_LEVEL; l++) {
        const atLevel = live.filter((s) => s.level === l);
        if (atLevel.length < (l === 0 ? FANOUT_LEVEL0 : FANOUT)) continue;
        const inputs = atLevel.slice(0, l === 0 ? FANOUT_LEVEL0 : FANOUT).map((s) => s.segment);
        const segment = await this.reserve("segment", 1);
        await this.db
          .prepare(`INSERT INTO segments (segment, level, state, num_items, bytes, created_at, merge_inputs, next_word, merged_items, format) VALUES (?1, ?2, 'building', 0, 0, ?3, ?4, 0, x'', ${FORMAT_VARINT})`)
          .bind(segment, l + 1, Date.now(), JSON.stringify(inputs))
          .run();
        await this.mergeStep({ segment, inputs, nextWord: 0, merged: new Uint8Array(0) }, numWords, bytesPerWord);
        return true;
      }
      return false;
    } finally {
      await this.db.prepare("DELETE FROM leases WHERE name = 'compaction' AND holder = ?1").bind(holder).run();
    }
  }

  /**
   * Merges the next COMPACTION_STEP_CHUNKS word ranges of a building segment. Each range's postings,
   * the new next_word and the bitmap of items written so far go in ONE transaction, so a step that dies
   * halfway is resumed from the last committed range. After the last range, the swap.
   */
  private async mergeStep(
    merge: { segment: number; inputs: number[]; nextWord: number; merged: Uint8Array },
    numWords: number,
    bytesPerWord: number,
  ): Promise<void> {
    const inputIds = JSON.stringify(merge.inputs);
    // The input sizes fix the word ranges, so every step of one merge cuts the words the same way.
    const totalBytes = await this.db
      .prepare("SELECT coalesce(sum(bytes), 0) AS b FROM segments WHERE segment IN (SELECT value FROM json_each(?1))")
      .bind(inputIds)
      .first<{ b: number }>();
    const chunks = Math.max(1, Math.ceil((totalBytes?.b ?? 0) / this.compactionChunkBytes));
    const wordsPerChunk = Math.ceil(numWords / chunks);
    // Items stale by now are dropped; an item deleted after its entries were merged is ignored by
    // searches (item numbers are never reused) and dropped by the next merge.
    const liveRows = await this.db.prepare("SELECT item_no FROM items").raw<[number]>();
    const live = new Set(liveRows.map((r) => r[0]));
    let merged = merge.merged;
    const mark = (item: number) => {
      if (item >>> 3 >= merged.length) {
        const grown = new Uint8Array(Math.max((item >>> 3) + 1, 2 * merged.length));
        grown.set(merged);
        merged = grown;
      }
      merged[item >>> 3] |= 1 << (item & 7);
    };
    let w0 = merge.nextWord;
    for (let c = 0; c < COMPACTION_STEP_CHUNKS && w0 < numWords; c++, w0 += wordsPerChunk) {
      const results = await this.db
        .prepare(`SELECT p.word, s.format, ${ROW_TEXT} FROM postings p JOIN segments s ON s.segment = p.segment WHERE p.segment IN (SELECT value FROM json_each(?1)) AND p.word >= ?2 AND p.word < ?3 ORDER BY p.word, p.segment, p.part`)
        .bind(inputIds, w0, w0 + wordsPerChunk)
        .raw<[number, number, string]>();
      const perWord = new Map<number, Entry[]>();
      for (let i = 0; i < results.length; ) {
        const word = results[i][0];
        const entries: Entry[] = [];
        for (; i < results.length && results[i][0] === word; i++)
          for (const e of decodeStoredRow(results[i][1], results[i][2], bytesPerWord)) if (live.has(e.item)) entries.push(e);
        if (entries.length === 0) continue;
        for (const e of entries) mark(e.item);
        perWord.set(word, entries);
      }
      const out = postingRows(perWord, bytesPerWord);
      const writes = insertRows(this.db, out.rows, "?1", "1", [merge.segment]);
      writes.push(
        this.db
          .prepare("UPDATE segments SET next_word = ?2, bytes = bytes + ?3, merged_items = unhex(?4) WHERE segment = ?1")
          .bind(merge.segment, Math.min(numWords, w0 + wordsPerChunk), out.bytes, toHex(merged)),
      );
      await this.db.batch(writes);
    }
    if (w0 < numWords) return;
    let items = 0;
    for (let i = 0; i < merged.length; i++) items += POPCOUNT[merged[i]];
    // The swap: searches see either the inputs or the merged segment, never both or neither.
    await this.db.batch([
      this.db
        .prepare("UPDATE segments SET state = 'live', num_items = ?2, merge_inputs = NULL, next_word = NULL, merged_items = NULL WHERE segment = ?1")
        .bind(merge.segment, items),
      this.db.prepare("UPDATE segments SET state = 'retired' WHERE segment IN (SELECT value FROM json_each(?1))").bind(inputIds),
    ]);
    await this.db.batch([
      this.db.prepare("DELETE FROM postings WHERE segment IN (SELECT value FROM json_each(?1))").bind(inputIds),
      this.db.prepare("DELETE FROM posting_counts WHERE segment IN (SELECT value FROM json_each(?1))").bind(inputIds),
      this.db.prepare("DELETE FROM segments WHERE segment IN (SELECT value FROM json_each(?1))").bind(inputIds),
    ]);
  }
}
