// Batch ingestion: POST /v1/index/batch → 202 {job}; the queue consumer (called here with the
// messages the route sent, as the Queue would deliver them) indexes good URLs, records each failing
// URL with its code, and never indexes an item twice however often a message is redelivered; the
// dead-letter queue's consumer records exhausted items as failed.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { codebookFiles, resetIndex, retrievalApi, testEnv, type Api } from "./helpers";
import { FAST_OPTIONS, pngBytes } from "../helpers";
import { crop, scene } from "../../shared/synthetic-images";
import { consumeIngestBatch } from "../../../src/http/ingest-consumer";
import { workerPlatform } from "../../../src/worker-platform";
import type { IngestMessage } from "../../../src/http/bindings";

let files: Map<string, Uint8Array>;
let images: Map<string, Uint8Array>;
const sent: IngestMessage[] = [];
const fakeQueue = {
  async send(body: IngestMessage) {
    sent.push(body);
  },
  async sendBatch(messages: Array<{ body: IngestMessage }>) {
    for (const m of messages) sent.push(m.body);
  },
} as unknown as Queue<IngestMessage>;
let api: Api;
const platform = workerPlatform();

beforeAll(async () => {
  files = await codebookFiles();
  const s = scene(320, 256);
  images = new Map([
    ["http://images.test/a.png", await pngBytes(crop(s, 10, 10, 160, 128))],
    ["http://images.test/b.png", await pngBytes(crop(s, 120, 100, 160, 128))],
  ]);
  api = retrievalApi(files, { INGEST_QUEUE: fakeQueue });
});

beforeEach(async () => {
  await resetIndex();
  sent.length = 0;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL) => {
    const url = input instanceof Request ? input.url : String(input);
    const bytes = images.get(url);
    if (bytes) return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": "image/png" } });
    if (url.endsWith("/text.png")) return new Response("this is not an image", { headers: { "content-type": "image/png" } });
    return new Response("missing", { status: 404 });
  });
});

afterEach(() => vi.restoreAllMocks());

let messageId = 0;
async function deliver(queue: string, bodies: IngestMessage[]) {
  const batch = createMessageBatch<IngestMessage>(
    queue,
    bodies.map((body) => ({ id: `m${messageId++}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await consumeIngestBatch(platform, batch, api.bindings);
  return getQueueResult(batch, ctx);
}

const ITEMS = [
  { id: "a", url: "http://images.test/a.png", metadata: { k: "a" } },
  { id: "missing", url: "http://images.test/missing.png" },
  { id: "b", url: "http://images.test/b.png" },
  { id: "text", url: "http://images.test/text.png" },
];

describe("POST /v1/index/batch", () => {
  it("queues one message per item; the consumer indexes good URLs and reports each failure with its code", async () => {
    const res = await api.call("POST", "/v1/index/batch", { items: ITEMS, options: FAST_OPTIONS });
    expect(res.status).toBe(202);
    const job = res.body.job as string;
    expect(sent.map((m) => m.position)).toEqual([0, 1, 2, 3]);

    const pending = await api.call("GET", `/v1/jobs/${job}`);
    expect(pending.body).toMatchObject({ job, state: "pending", total: 4, done: 0, pending: 4, failed: [] });

    const result = await deliver("delf-edge-ingest", sent);
    expect(result.explicitAcks.length).toBe(4);
    const status = await api.call("GET", `/v1/jobs/${job}`);
    expect(status.body).toMatchObject({ state: "finished", total: 4, done: 2, pending: 0 });
    expect(status.body.failed.map((f: any) => [f.id, f.code])).toEqual([["missing", "image_fetch_failed"], ["text", "unsupported_media_type"]]);
    expect((await api.call("GET", "/v1/index/a")).body).toMatchObject({ id: "a", metadata: { k: "a" } });
    expect((await api.call("GET", "/v1/index")).body.items).toBe(2);
  });

  it("redelivered and concurrently duplicated messages never index an item twice", async () => {
    const res = await api.call("POST", "/v1/index/batch", { items: ITEMS.slice(0, 1), options: FAST_OPTIONS });
    const job = res.body.job as string;
    // Two deliveries of the same message at once (at-least-once delivery), then one more later.
    await Promise.all([deliver("delf-edge-ingest", sent), deliver("delf-edge-ingest", sent)]);
    const first = await api.call("GET", "/v1/index/a");
    const again = await deliver("delf-edge-ingest", sent);
    expect(again.explicitAcks.length).toBe(1);
    expect((await api.call("GET", "/v1/index/a")).body).toEqual(first.body);
    const rows = await testEnv.INDEX_DB.prepare("SELECT count(*) AS n FROM segments").first<{ n: number }>();
    expect(rows!.n).toBe(1);
    expect((await testEnv.FEATURES.list()).objects.length).toBe(1);
    expect((await api.call("GET", `/v1/jobs/${job}`)).body).toMatchObject({ state: "finished", done: 1, failed: [] });
  });

  it("a message that exhausted its retries (dead-letter queue) is reported failed; a done item stays done", async () => {
    const res = await api.call("POST", "/v1/index/batch", { items: ITEMS.slice(0, 3), options: FAST_OPTIONS });
    const job = res.body.job as string;
    await deliver("delf-edge-ingest", sent.slice(0, 1));
    await deliver("delf-edge-ingest-dlq", sent);
    const status = await api.call("GET", `/v1/jobs/${job}`);
    expect(status.body).toMatchObject({ state: "finished", done: 1, pending: 0 });
    expect(status.body.failed.map((f: any) => [f.id, f.code])).toEqual([["missing", "retries_exhausted"], ["b", "retries_exhausted"]]);
  });

  it("a queue that refuses messages mid-batch: 503, and the unqueued items are reported failed, not left pending", async () => {
    let calls = 0;
    const flaky = {
      async sendBatch(messages: Array<{ body: IngestMessage }>) {
        if (++calls === 2) throw new Error("queue full");
        for (const m of messages) sent.push(m.body);
      },
    } as unknown as Queue<IngestMessage>;
    const flakyApi = retrievalApi(files, { INGEST_QUEUE: flaky });
    const items = Array.from({ length: 150 }, (_, i) => ({ id: `f${i}`, url: `http://images.test/${i}.png` }));
    const res = await flakyApi.call("POST", "/v1/index/batch", { items });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 503, code: "index_unavailable" });
    const job = res.body.error.details.job as string;
    const status = await api.call("GET", `/v1/jobs/${job}`);
    expect(status.body).toMatchObject({ total: 150, pending: 100, done: 0 });
    expect(status.body.failed.length).toBe(50);
    expect(status.body.failed[0]).toMatchObject({ id: "f100", code: "queue_unavailable" });
  });
});
