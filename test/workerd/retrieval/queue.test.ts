// The real Queue wiring (wrangler.toml → miniflare's local Queues, the deployed codebook asset): a batch
// posted to the Worker is delivered to its own queue handler; good URLs are indexed, failing ones are
// reported with their code. A message that fails with a retryable error is retried max_retries times,
// then dead-lettered, and the dead-letter consumer reports it: nothing is indexed twice or half.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { SELF, env } from "cloudflare:test";
import { JobStore } from "../../../src/retrieval/store/jobs";
import { resetIndex, testEnv, type Json } from "./helpers";
import { FAST_OPTIONS, pngBytes } from "../helpers";
import { crop, scene } from "../../shared/synthetic-images";
import type { IngestMessage } from "../../../src/http/bindings";

let image: Uint8Array;

beforeEach(async () => {
  await resetIndex();
  image ??= await pngBytes(crop(scene(320, 256), 20, 20, 160, 128));
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url === "http://images.test/good.png") return new Response(image as Uint8Array<ArrayBuffer>, { headers: { "content-type": "image/png" } });
    return new Response("missing", { status: 404 });
  });
});

afterEach(() => vi.restoreAllMocks());

async function waitFinished(job: string): Promise<Json> {
  for (let i = 0; i < 240; i++) {
    const status = (await (await SELF.fetch(`http://localhost/v1/jobs/${job}`)).json()) as Json;
    if (status.state === "finished") return status;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`job ${job} did not finish`);
}

it("POST /v1/index/batch goes through the Queue to this Worker's consumer", async () => {
  const res = await SELF.fetch("http://localhost/v1/index/batch", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ items: [{ id: "good", url: "http://images.test/good.png" }, { id: "bad", url: "http://images.test/missing.png" }], options: FAST_OPTIONS }),
  });
  expect(res.status).toBe(202);
  const { job } = (await res.json()) as Json;
  const status = await waitFinished(job);
  expect(status).toMatchObject({ total: 2, done: 1, pending: 0, failed: [{ id: "bad", code: "image_fetch_failed" }] });
  expect(((await (await SELF.fetch("http://localhost/v1/index/good")).json()) as Json).id).toBe("good");
});

it("a message that keeps failing is retried, dead-lettered and reported failed", async () => {
  const jobs = new JobStore(testEnv.INDEX_DB);
  const job = crypto.randomUUID();
  // Options the route would refuse, stored directly: extraction throws a non-client error (500) on every attempt.
  await jobs.create(job, [{ id: "q1", url: "http://images.test/good.png", metadata: null }], { scales: "not-a-list" });
  await (env as unknown as { INGEST_QUEUE: Queue<IngestMessage> }).INGEST_QUEUE.send({ job, position: 0 });
  const status = await waitFinished(job);
  expect(status).toMatchObject({ done: 0, pending: 0, failed: [{ id: "q1", code: "retries_exhausted" }] });
  const row = await testEnv.INDEX_DB.prepare("SELECT attempts FROM job_items WHERE job = ?1").bind(job).first<{ attempts: number }>();
  expect(row!.attempts).toBe(4); // the first delivery + max_retries (3)
  expect((await testEnv.INDEX_DB.prepare("SELECT count(*) AS n FROM items").first<{ n: number }>())!.n).toBe(0);
});
