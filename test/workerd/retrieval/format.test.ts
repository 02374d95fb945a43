// Postings format 2 (delta varints as base64 TEXT, migration 0003) against format 1 (fixed 11-byte
// entries in BLOBs): an index stored in format 1 keeps answering every search exactly as before once
// 0003 has run (its entry counts backfilled by the migration itself), and after compaction has
// rewritten it in format 2; and both equal the same items written in format 2 from the start.
import { beforeAll, expect, it } from "vitest";
import { codebookFiles, resetIndex, retrievalApi, shifted, syntheticFeatures, testEnv, type Api } from "./helpers";
import { D1RetrievalStore } from "../../../src/retrieval/store/d1-store";
import { writeEntry, entryBytes } from "../../../src/retrieval/store/postings";
import { toHex } from "../../../src/bytes";
import { decodeVarintRow } from "../../../src/retrieval/store/varint-postings";

let api: Api;

beforeAll(async () => {
  api = retrievalApi(await codebookFiles());
  await resetIndex();
});

const queries = [3, 7, 12, 17].map((i) => ({ features: shifted(syntheticFeatures(4000 + i)), options: { topK: 8, shortlist: 20 } }));
const searchAll = async () => Promise.all(queries.map(async (q) => (await api.call("POST", "/v1/search", q)).body.results));

/** Rewrites every stored segment in format 1, as an index written before migration 0003 holds it, with no entry counts. */
async function rewriteAsFormat1(): Promise<number> {
  const db = testEnv.INDEX_DB;
  const rows = await db.prepare("SELECT word, segment, part, data FROM postings").all<{ word: number; segment: number; part: number; data: string }>();
  const updates = rows.results.map((r) => {
    const entries = decodeVarintRow(r.data, 5);
    const bytes = new Uint8Array(entries.length * entryBytes(5));
    entries.reduce((o, e) => writeEntry(bytes, o, e.item, e.wordCount, e.residual), 0);
    return db.prepare("UPDATE postings SET data = unhex(?4) WHERE word = ?1 AND segment = ?2 AND part = ?3").bind(r.word, r.segment, r.part, toHex(bytes));
  });
  await db.batch([...updates, db.prepare("UPDATE segments SET format = 1"), db.prepare("DELETE FROM posting_counts")]);
  return rows.results.length;
}

it("an index stored in format 1 searches the same after migration 0003 and after compaction to format 2", async () => {
  // 20 single-item writes: 20 level-0 segments (a held lease keeps the app's background compaction out).
  await testEnv.INDEX_DB.prepare("INSERT INTO leases (name, holder, expires_at) VALUES ('compaction', 'test', ?1)").bind(Date.now() + 600_000).run();
  for (let i = 0; i < 20; i++) expect((await api.call("POST", "/v1/index", { id: `f${i}`, features: syntheticFeatures(4000 + i) })).status).toBe(201);
  await new Promise((r) => setTimeout(r, 200));
  const written = await searchAll();
  expect(written.map((r) => r[0].id)).toEqual(["f3", "f7", "f12", "f17"]);
  const countsWritten = await testEnv.INDEX_DB.prepare("SELECT word, segment, entries FROM posting_counts ORDER BY word, segment").all();

  expect(await rewriteAsFormat1()).toBeGreaterThan(20);
  // Migration 0003's own backfill statement, as it runs on a format-1 index.
  const migration = testEnv.TEST_MIGRATIONS.find((m) => m.name.startsWith("0003"))!;
  const backfill = migration.queries.find((q) => /INSERT INTO posting_counts/.test(q))!;
  await testEnv.INDEX_DB.prepare(backfill).run();
  expect((await testEnv.INDEX_DB.prepare("SELECT word, segment, entries FROM posting_counts ORDER BY word, segment").all()).results).toEqual(countsWritten.results);
  expect(await searchAll()).toEqual(written);

  await testEnv.INDEX_DB.prepare("DELETE FROM leases WHERE holder = 'test'").run();
  const store = new D1RetrievalStore(testEnv.INDEX_DB, testEnv.FEATURES, 256);
  let steps = 0;
  while (await store.compactOnce(64, 5)) steps++;
  expect(steps).toBeGreaterThan(1);
  const segments = await testEnv.INDEX_DB.prepare("SELECT level, format, num_items FROM segments WHERE state = 'live' ORDER BY level").all<{ level: number; format: number; num_items: number }>();
  expect(segments.results.filter((s) => s.level === 1)).toEqual([{ level: 1, format: 2, num_items: 16 }]);
  expect(segments.results.filter((s) => s.format === 1).length).toBe(4);
  // The merged segment's counts are its entries.
  const merged = await testEnv.INDEX_DB.prepare(
    "SELECT c.entries, (SELECT group_concat(p.data, ' ') FROM postings p WHERE p.word = c.word AND p.segment = c.segment) AS rows FROM posting_counts c JOIN segments s ON s.segment = c.segment WHERE s.level = 1",
  ).all<{ entries: number; rows: string }>();
  expect(merged.results.length).toBeGreaterThan(10);
  for (const r of merged.results) expect(r.rows.split(" ").reduce((n, t) => n + decodeVarintRow(t, 5).length, 0)).toBe(r.entries);
  expect(await searchAll()).toEqual(written);
});
