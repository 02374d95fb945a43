// The retrieval API inside workerd on the local D1 and R2: index (features, replace, delete), search
// (ranked by inliers, exact transform), stats; every bad request is a 4xx with its code and changes
// nothing stored; a missing or corrupt codebook is 503 index_unavailable.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { codebookFiles, resetIndex, retrievalApi, shifted, storedState, syntheticFeatures, testEnv, type Api } from "./helpers";
import { D1RetrievalStore, READ_ALL } from "../../../src/retrieval/store/d1-store";
import { ShortlistScorer } from "../../../src/retrieval/core";

let files: Map<string, Uint8Array>;
let api: Api;

beforeAll(async () => {
  files = await codebookFiles();
  api = retrievalApi(files);
});

beforeEach(resetIndex);

const item = (id: string, seed: number, metadata?: unknown) => ({ id, features: syntheticFeatures(seed), ...(metadata !== undefined ? { metadata } : {}) });

describe("index and search on features", () => {
  it("indexes, finds the source of a transformed query first with its transform, and reports storage", async () => {
    for (let i = 0; i < 6; i++) {
      const res = await api.call("POST", "/v1/index", item(`photo-${i}`, 100 + i, { n: i }));
      expect(res).toEqual({ status: 201, body: { id: `photo-${i}`, numFeatures: 120 } });
    }
    const res = await api.call("POST", "/v1/search", { features: shifted(syntheticFeatures(103)), options: { topK: 3 } });
    expect(res.status).toBe(200);
    expect(res.body.results.length).toBe(3);
    expect(res.body.results[0]).toMatchObject({ id: "photo-3", metadata: { n: 3 } });
    expect(res.body.results[0].numInliers).toBeGreaterThanOrEqual(100);
    expect(res.body.results[1].numInliers).toBeLessThan(10);
    const m = res.body.results[0].transform.matrix;
    expect(m[0][0]).toBeCloseTo(1 / 0.9, 3);
    expect(m[0][2]).toBeCloseTo(-12 / 0.9, 2);
    expect(res.body.numCandidates).toBe(6);
    expect(Object.keys(res.body.timingsMs)).toEqual(expect.arrayContaining(["postings", "score", "rerank", "total"]));

    const stats = await api.call("GET", "/v1/index");
    expect(stats.body).toMatchObject({ items: 6, features: 720, codebook: { numWords: 64, dim: 40 } });
    expect(stats.body.storageBytes.features).toBeGreaterThan(6 * 120 * 42 * 4);
    expect(stats.body.storageBytes.postings).toBeGreaterThan(0);

    const one = await api.call("GET", "/v1/index/photo-2");
    expect(one).toMatchObject({ status: 200, body: { id: "photo-2", numFeatures: 120, metadata: { n: 2 } } });
  });

  it("multiAssign 1 (fewer postings read) finds the same source first", async () => {
    for (let i = 0; i < 4; i++) await api.call("POST", "/v1/index", item(`m-${i}`, 200 + i));
    const res = await api.call("POST", "/v1/search", { features: shifted(syntheticFeatures(202)), options: { topK: 2, multiAssign: 1 } });
    expect(res.status).toBe(200);
    expect(res.body.results[0].id).toBe("m-2");
    expect(res.body.results[0].numInliers).toBeGreaterThanOrEqual(100);
  });

  it("maxDf: a cap below every word's share reads no postings (store level); a small index is never capped (API)", async () => {
    for (let i = 0; i < 4; i++) await api.call("POST", "/v1/index", item(`df-${i}`, 300 + i));
    const store = new D1RetrievalStore(testEnv.INDEX_DB, testEnv.FEATURES);
    const words = Uint32Array.from({ length: 64 }, (_, w) => w);
    // The test codebook has 64 words: each is in most of the 4 items, far above a 1 % share.
    const scorer = () => new ShortlistScorer({ words, residuals: new Uint8Array(64 * 5), bytesPerWord: 5 });
    expect((await store.scorePostings(scorer(), words, { ...READ_ALL, maxDf: 0.01 })).rows).toBe(0);
    expect((await store.scorePostings(scorer(), words, READ_ALL)).entries).toBeGreaterThan(0);
    // Lists under STOP_WORD_MIN_POSTINGS entries are never stop words: the source is still found.
    const res = await api.call("POST", "/v1/search", { features: shifted(syntheticFeatures(302)), options: { maxDf: 0.01, topK: 1 } });
    expect(res.status).toBe(200);
    expect(res.body.results[0].id).toBe("df-2");
  });

  it("rerankPairs shared-words and a postings budget still find the source first (features' words stored at indexing)", async () => {
    for (let i = 0; i < 4; i++) await api.call("POST", "/v1/index", item(`sw-${i}`, 400 + i));
    const { item_no } = (await testEnv.INDEX_DB.prepare("SELECT item_no FROM items WHERE id = 'sw-1'").first<{ item_no: number }>())!;
    const object = await testEnv.FEATURES.get(`features/${item_no}`);
    expect(new TextDecoder().decode((await object!.arrayBuffer()).slice(0, 8))).toBe("DELFPF02");
    for (const options of [{ rerankPairs: "shared-words" }, { rerankPairs: "exact" }, { postingsBudget: 0.001 }]) {
      const res = await api.call("POST", "/v1/search", { features: shifted(syntheticFeatures(401)), options: { topK: 2, ...options } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.results[0].id).toBe("sw-1");
      expect(res.body.results[0].numInliers).toBeGreaterThanOrEqual(60);
    }
  });

  it("postings budget: words are read rarest first (ties: smaller word) while their entries fit the budget", async () => {
    for (let i = 0; i < 5; i++) await api.call("POST", "/v1/index", item(`pb-${i}`, 500 + i));
    const store = new D1RetrievalStore(testEnv.INDEX_DB, testEnv.FEATURES);
    const words = Uint32Array.from({ length: 64 }, (_, w) => w);
    const df = (await testEnv.INDEX_DB.prepare("SELECT word, sum(entries) AS n FROM posting_counts GROUP BY word").all<{ word: number; n: number }>()).results
      .sort((a, b) => a.n - b.n || a.word - b.word);
    const items = 5;
    for (const k of [1, 7, 20]) {
      const budget = df.slice(0, k).reduce((n, r) => n + r.n, 0);
      const read = async (perItem: number) =>
        (await store.postingsStatement(words, { ...READ_ALL, budgetPerItem: perItem, minBudget: 0 }, "DISTINCT p.word").raw<[number]>()).map((r) => r[0]).sort((a, b) => a - b);
      expect(await read(budget / items)).toEqual(df.slice(0, k).map((r) => r.word).sort((a, b) => a - b));
      // One entry less: the k-th word no longer fits, and no later word is taken instead.
      expect(await read((budget - 1) / items)).toEqual(df.slice(0, k - 1).map((r) => r.word).sort((a, b) => a - b));
    }
  });

  it("a search on an empty index is 200 with no results", async () => {
    const res = await api.call("POST", "/v1/search", { features: syntheticFeatures(1) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ results: [], numCandidates: 0 });
  });

  it("re-indexing an id replaces it: the old features are gone from search and storage", async () => {
    await api.call("POST", "/v1/index", item("a", 1, { v: 1 }));
    await api.call("POST", "/v1/index", item("b", 2));
    await api.call("POST", "/v1/index", item("a", 3, { v: 2 }));
    const old = await api.call("POST", "/v1/search", { features: syntheticFeatures(1) });
    expect(old.body.results.find((r: any) => r.numInliers > 50)).toBeUndefined();
    const fresh = await api.call("POST", "/v1/search", { features: syntheticFeatures(3) });
    expect(fresh.body.results[0]).toMatchObject({ id: "a", metadata: { v: 2 } });
    expect(fresh.body.results.filter((r: any) => r.id === "a").length).toBe(1);
    expect((await api.call("GET", "/v1/index")).body.items).toBe(2);
  });

  it("a deleted item never comes back, and deleting it again is 404", async () => {
    await api.call("POST", "/v1/index", item("gone", 5));
    await api.call("POST", "/v1/index", item("kept", 6));
    expect(await api.call("DELETE", "/v1/index/gone")).toEqual({ status: 200, body: { id: "gone", deleted: true } });
    const res = await api.call("POST", "/v1/search", { features: syntheticFeatures(5) });
    expect(res.body.results.map((r: any) => r.id)).not.toContain("gone");
    expect((await api.call("DELETE", "/v1/index/gone")).body.error.code).toBe("item_not_found");
    expect((await api.call("GET", "/v1/index/gone")).status).toBe(404);
  });
});

describe("bad input changes nothing stored", () => {
  const cases: Array<[string, string, string, unknown, number, string]> = [
    ["an id with a space", "POST", "/v1/index", { id: "a b", features: syntheticFeatures(1) }, 400, "invalid_id"],
    ["an empty id", "POST", "/v1/index", { id: "", features: syntheticFeatures(1) }, 400, "invalid_id"],
    ["a 129-character id", "POST", "/v1/index", { id: "x".repeat(129), features: syntheticFeatures(1) }, 400, "invalid_id"],
    ["metadata over 2 KiB", "POST", "/v1/index", { id: "m", features: syntheticFeatures(1), metadata: { s: "x".repeat(2100) } }, 413, "metadata_too_large"],
    ["both image and features", "POST", "/v1/index", { id: "m", features: syntheticFeatures(1), image: { url: "http://x/a.png" } }, 400, "invalid_request"],
    ["descriptors of the wrong length", "POST", "/v1/index", { id: "m", features: { locations: [[1, 2]], descriptors: [[1, 0, 0]] } }, 400, "invalid_features"],
    ["topK over 100", "POST", "/v1/search", { features: syntheticFeatures(1), options: { topK: 101 } }, 400, "invalid_options"],
    ["shortlist over 500", "POST", "/v1/search", { features: syntheticFeatures(1), options: { shortlist: 501 } }, 400, "invalid_options"],
    ["multiAssign 0", "POST", "/v1/search", { features: syntheticFeatures(1), options: { multiAssign: 0 } }, 400, "invalid_options"],
    ["maxDf 0", "POST", "/v1/search", { features: syntheticFeatures(1), options: { maxDf: 0 } }, 400, "invalid_options"],
    ["maxDf over 1", "POST", "/v1/search", { features: syntheticFeatures(1), options: { maxDf: 1.5 } }, 400, "invalid_options"],
    ["maxDf not a number", "POST", "/v1/search", { features: syntheticFeatures(1), options: { maxDf: "10%" } }, 400, "invalid_options"],
    ["postingsBudget 0", "POST", "/v1/search", { features: syntheticFeatures(1), options: { postingsBudget: 0 } }, 400, "invalid_options"],
    ["an unknown rerankPairs", "POST", "/v1/search", { features: syntheticFeatures(1), options: { rerankPairs: "words" } }, 400, "invalid_options"],
    ["an unknown id (GET)", "GET", "/v1/index/nope", undefined, 404, "item_not_found"],
    ["an unknown id (DELETE)", "DELETE", "/v1/index/nope", undefined, 404, "item_not_found"],
    ["a bad id in the path", "GET", "/v1/index/a%20b", undefined, 400, "invalid_id"],
    ["an unknown job", "GET", "/v1/jobs/00000000-0000-0000-0000-000000000000", undefined, 404, "job_not_found"],
    ["a duplicate id in a batch", "POST", "/v1/index/batch", { items: [{ id: "d", url: "http://x/1.png" }, { id: "d", url: "http://x/2.png" }] }, 400, "duplicate_id"],
    ["a bad id in a batch", "POST", "/v1/index/batch", { items: [{ id: "ok", url: "http://x/1.png" }, { id: "no/slash", url: "http://x/2.png" }] }, 400, "invalid_id"],
    ["a non-http url in a batch", "POST", "/v1/index/batch", { items: [{ id: "ok", url: "file:///etc/passwd" }] }, 400, "invalid_request"],
    ["1001 items in a batch", "POST", "/v1/index/batch", { items: Array.from({ length: 1001 }, (_, i) => ({ id: `i${i}`, url: "http://x/1.png" })) }, 413, "payload_too_large"],
  ];
  for (const [what, method, path, body, status, code] of cases)
    it(`${what} → ${status} ${code}`, async () => {
      await api.call("POST", "/v1/index", item("existing", 9));
      const before = await storedState();
      const res = await api.call(method, path, body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
      expect(await storedState()).toBe(before);
    });
});

describe("codebook missing or corrupt → 503 index_unavailable, nothing stored", () => {
  const broken: Array<[string, (f: Map<string, Uint8Array>) => void]> = [
    ["missing", (f) => f.delete("codebook.bin")],
    ["without its sha-256", (f) => f.delete("codebook.sha256")],
    ["one flipped bit", (f) => {
      const bytes = f.get("codebook.bin")!.slice();
      bytes[100] ^= 1;
      f.set("codebook.bin", bytes);
    }],
    ["truncated", (f) => f.set("codebook.bin", f.get("codebook.bin")!.slice(0, 500))],
  ];
  for (const [what, breakIt] of broken)
    it(`a codebook ${what}`, async () => {
      await api.call("POST", "/v1/index", item("existing", 9));
      const before = await storedState();
      const bad = new Map(files);
      breakIt(bad);
      const badApi = retrievalApi(bad);
      for (const [method, path, body] of [
        ["POST", "/v1/index", item("new", 1)],
        ["POST", "/v1/search", { features: syntheticFeatures(9) }],
        ["POST", "/v1/index/batch", { items: [{ id: "q", url: "http://x/1.png" }] }],
      ] as const) {
        const res = await badApi.call(method, path, body);
        expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 503, code: "index_unavailable" });
      }
      expect(await storedState()).toBe(before);
    });
});

describe("OpenAPI", () => {
  it("documents the retrieval endpoints and their error codes", async () => {
    const doc = (await (await api.app.fetch(new Request("http://localhost/openapi.json"), api.bindings)).json()) as any;
    expect(doc.paths["/v1/search"].post.responses["503"].description).toContain("index_unavailable");
    expect(doc.paths["/v1/index"].post.responses["413"].description).toContain("metadata_too_large");
    expect(doc.paths["/v1/index/{id}"].delete.responses["404"].description).toContain("item_not_found");
    expect(JSON.stringify(doc.paths["/v1/search"].post.requestBody)).toContain("shortlist");
  });
});

describe("GET /search", () => {
  it("serves the search view, which posts to /v1/search", async () => {
    const res = await api.app.fetch(new Request("http://localhost/search"), api.bindings);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("search the index");
    expect(html).toContain('fetch("/v1/search"');
  });
});
