// The cron-driven compaction driver: a merge left half-built (a 'building' segment) is finished by the
// scheduled handler without any further write, and searches answer the same before and after.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, expect, it } from "vitest";
import worker from "../../../src/index";
import { codebookFiles, resetIndex, retrievalApi, syntheticFeatures, testEnv, type Api } from "./helpers";
import { D1RetrievalStore } from "../../../src/retrieval/store/d1-store";

let api: Api;

beforeAll(async () => {
  api = retrievalApi(await codebookFiles());
  await resetIndex();
});

const segments = async () =>
  (await testEnv.INDEX_DB.prepare("SELECT state, level FROM segments ORDER BY segment").all<{ state: string; level: number }>()).results;

it("a scheduled event finishes a half-built merge", async () => {
  await testEnv.INDEX_DB.prepare("INSERT INTO leases (name, holder, expires_at) VALUES ('compaction', 'test', ?1)").bind(Date.now() + 600_000).run();
  for (let i = 0; i < 16; i++) await api.call("POST", "/v1/index", { id: `c${i}`, features: syntheticFeatures(6000 + i) });
  await new Promise((r) => setTimeout(r, 200));
  await testEnv.INDEX_DB.prepare("DELETE FROM leases WHERE holder = 'test'").run();
  const query = { features: syntheticFeatures(6003), options: { topK: 5, shortlist: 16 } };
  const before = await api.call("POST", "/v1/search", query);
  // One bounded step of tiny word ranges: the merge is left 'building'.
  expect(await new D1RetrievalStore(testEnv.INDEX_DB, testEnv.FEATURES, 64).compactOnce(64, 5)).toBe(true);
  expect((await segments()).filter((s) => s.state === "building")).toHaveLength(1);

  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), api.bindings, ctx);
  await waitOnExecutionContext(ctx);
  const after = await segments();
  expect(after.filter((s) => s.state !== "live")).toEqual([]);
  expect(after).toEqual([{ state: "live", level: 1 }]);
  expect((await api.call("POST", "/v1/search", query)).body.results).toEqual(before.body.results);
});

it("a scheduled event without a codebook does nothing and does not throw", async () => {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), retrievalApi(new Map()).bindings, ctx);
  await waitOnExecutionContext(ctx);
});
