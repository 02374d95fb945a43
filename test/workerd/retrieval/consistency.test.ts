// Consistency of the index on the local D1/R2 under concurrency: 20 concurrent index and search
// requests leave every item findable exactly once; replacement is atomic (a search never sees an
// id's metadata with another version's features); compaction changes no ranking and drops stale
// versions; a deleted item never comes back, even through compaction.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { codebookFiles, resetIndex, retrievalApi, syntheticFeatures, testEnv, type Api } from "./helpers";
import { D1RetrievalStore } from "../../../src/retrieval/store/d1-store";

let api: Api;
let numWords: number;

beforeAll(async () => {
  const files = await codebookFiles();
  api = retrievalApi(files);
  numWords = 64;
});

beforeEach(resetIndex);

const store = () => new D1RetrievalStore(testEnv.INDEX_DB, testEnv.FEATURES);

async function compactAll(): Promise<number> {
  let steps = 0;
  while (await store().compactOnce(numWords, 5)) steps++;
  return steps;
}

describe("concurrency", () => {
  it("20 concurrent index and search requests leave a consistent index", async () => {
    for (let i = 0; i < 5; i++) await api.call("POST", "/v1/index", { id: `base-${i}`, features: syntheticFeatures(500 + i) });
    const requests = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? api.call("POST", "/v1/index", { id: `c-${i}`, features: syntheticFeatures(600 + i), metadata: { i } })
        : api.call("POST", "/v1/search", { features: syntheticFeatures(500 + (i % 5)), options: { topK: 3 } }),
    );
    const answers = await Promise.all(requests);
    for (const [i, res] of answers.entries()) {
      expect(res.status, JSON.stringify(res.body)).toBe(i % 2 === 0 ? 201 : 200);
      if (i % 2 === 1) expect(res.body.results[0].id).toBe(`base-${i % 5}`);
    }
    const stats = await api.call("GET", "/v1/index");
    expect(stats.body.items).toBe(15);
    for (let i = 0; i < 20; i += 2) {
      const res = await api.call("POST", "/v1/search", { features: syntheticFeatures(600 + i), options: { topK: 1 } });
      expect(res.body.results[0]).toMatchObject({ id: `c-${i}`, metadata: { i } });
      expect(res.body.results[0].numInliers).toBeGreaterThanOrEqual(100);
    }
    // Every stored features object belongs to a live item: nothing leaked.
    const live = (await testEnv.INDEX_DB.prepare("SELECT item_no FROM items").all<{ item_no: number }>()).results.map((r) => `features/${r.item_no}`).sort();
    expect((await testEnv.FEATURES.list()).objects.map((o) => o.key).sort()).toEqual(live);
  });

  it("replacement is atomic: concurrent searches see either version, never a mix", async () => {
    await api.call("POST", "/v1/index", { id: "x", features: syntheticFeatures(1), metadata: { seed: 1 } });
    await api.call("POST", "/v1/index", { id: "other", features: syntheticFeatures(3) });
    const writes: Array<Promise<unknown>> = [];
    const searches: Array<Promise<{ seed: number; status: number; body: any }>> = [];
    const searchWith = (seed: number) =>
      api.call("POST", "/v1/search", { features: syntheticFeatures(seed), options: { topK: 5 } }).then((r) => ({ seed, ...r }));
    for (let round = 0; round < 6; round++) {
      const seed = round % 2 === 0 ? 2 : 1;
      writes.push(api.call("POST", "/v1/index", { id: "x", features: syntheticFeatures(seed), metadata: { seed } }));
      searches.push(searchWith(1), searchWith(2));
    }
    await Promise.all(writes);
    for (const res of await Promise.all(searches)) {
      expect(res.status).toBe(200);
      const hits = res.body.results.filter((r: any) => r.id === "x");
      expect(hits.length).toBeLessThanOrEqual(1);
      // A strong match carries the metadata written with those very features (never another version's).
      for (const hit of hits) if (hit.numInliers >= 100) expect(hit.metadata.seed).toBe(res.seed);
    }
    const final = await api.call("GET", "/v1/index/x");
    const seed = final.body.metadata.seed;
    const res = await api.call("POST", "/v1/search", { features: syntheticFeatures(seed), options: { topK: 1 } });
    expect(res.body.results[0]).toMatchObject({ id: "x", metadata: { seed } });
    expect(res.body.results[0].numInliers).toBeGreaterThanOrEqual(100);
    expect((await api.call("GET", "/v1/index")).body.items).toBe(2);
  });
});

describe("compaction", () => {
  it("merges segments without changing any ranking, drops replaced and deleted versions, and deleted items never come back", async () => {
    for (let i = 0; i < 40; i++) await api.call("POST", "/v1/index", { id: `p${i}`, features: syntheticFeatures(1000 + i) });
    await api.call("POST", "/v1/index", { id: "p1", features: syntheticFeatures(2001) });
    await api.call("DELETE", "/v1/index/p2");
    // The app already compacts after writes (in the background here): wait for it, then force the rest.
    await new Promise((r) => setTimeout(r, 200));
    const query = { features: syntheticFeatures(1005), options: { topK: 5, shortlist: 41 } };
    const before = await api.call("POST", "/v1/search", query);
    await compactAll();
    const segments = await testEnv.INDEX_DB.prepare("SELECT level, state, num_items FROM segments ORDER BY level").all<{ level: number; num_items: number }>();
    expect(segments.results.some((s) => s.level >= 1)).toBe(true);
    const after = await api.call("POST", "/v1/search", query);
    expect(after.body.results).toEqual(before.body.results);
    for (const seed of [1002, 1001]) {
      const res = await api.call("POST", "/v1/search", { features: syntheticFeatures(seed), options: { topK: 41, shortlist: 41 } });
      expect(res.body.results.map((r: any) => r.id)).not.toContain("p2");
      if (seed === 1001) expect(res.body.results.find((r: any) => r.id === "p1")?.numInliers ?? 0).toBeLessThan(50);
    }
    // Stale entries are gone from merged segments: the merged ones hold only live item numbers.
    const merged = await testEnv.INDEX_DB.prepare("SELECT sum(num_items) AS n FROM segments WHERE level >= 1").first<{ n: number }>();
    expect(merged!.n).toBeLessThanOrEqual(39);
  });

  it("a merge in many bounded steps: searches unchanged after every step, stale versions dropped, exact item counts", async () => {
    // A lease held by the test keeps the app's own background compaction out: 20 level-0 segments stay.
    await testEnv.INDEX_DB.prepare("INSERT INTO leases (name, holder, expires_at) VALUES ('compaction', 'test', ?1)").bind(Date.now() + 600_000).run();
    for (let i = 0; i < 20; i++) await api.call("POST", "/v1/index", { id: `s${i}`, features: syntheticFeatures(3000 + i) });
    await api.call("DELETE", "/v1/index/s5");
    await new Promise((r) => setTimeout(r, 200));
    await testEnv.INDEX_DB.prepare("DELETE FROM leases WHERE holder = 'test'").run();
    const query = { features: syntheticFeatures(3007), options: { topK: 20, shortlist: 20 } };
    const before = await api.call("POST", "/v1/search", query);
    // 64-byte word ranges: a merge of these segments takes many ranges, COMPACTION_STEP_CHUNKS per step.
    const small = new D1RetrievalStore(testEnv.INDEX_DB, testEnv.FEATURES, 64);
    let steps = 0;
    let sawBuilding = false;
    while (await small.compactOnce(numWords, 5)) {
      steps++;
      const building = await testEnv.INDEX_DB.prepare("SELECT count(*) AS n FROM segments WHERE state = 'building'").first<{ n: number }>();
      if (building!.n > 0) sawBuilding = true;
      const during = await api.call("POST", "/v1/search", query);
      expect(during.body.results).toEqual(before.body.results);
    }
    expect(sawBuilding).toBe(true);
    expect(steps).toBeGreaterThan(2);
    const segments = await testEnv.INDEX_DB.prepare("SELECT level, state, num_items, merge_inputs FROM segments ORDER BY segment").all<{ level: number; state: string; num_items: number; merge_inputs: string | null }>();
    expect(segments.results.every((s) => s.state === "live" && s.merge_inputs === null)).toBe(true);
    const merged = segments.results.filter((s) => s.level >= 1);
    expect(merged.length).toBeGreaterThan(0);
    // num_items counts the live items merged, exactly: the 16 oldest (s5 deleted: 15) at level 1, 4 left at level 0.
    const level0 = segments.results.filter((s) => s.level === 0).reduce((n, s) => n + s.num_items, 0);
    expect(merged.reduce((n, s) => n + s.num_items, 0)).toBe(15);
    expect(level0).toBe(4);
    const after = await api.call("POST", "/v1/search", query);
    expect(after.body.results).toEqual(before.body.results);
    expect(after.body.results.map((r: any) => r.id)).not.toContain("s5");
  });
});
