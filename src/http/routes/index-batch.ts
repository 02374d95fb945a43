/** POST /v1/index/batch: up to 1000 {id, url} items, indexed through the ingestion Queue → 202 {job}. */
import { Hono } from "hono";
import type { Bindings, IngestMessage } from "../bindings";
import type { Platform } from "../platform";
import { ApiError } from "../errors";
import { readBatchRequest } from "../retrieval-requests";
import { jobStore, retrievalDeps } from "../retrieval-deps";

/** Queues.sendBatch takes at most 100 messages. */
const SEND_BATCH = 100;

export function indexBatchRoutes(platform: Platform) {
  return new Hono<{ Bindings: Bindings }>().post("/v1/index/batch", async (c) => {
    const batch = await readBatchRequest(c.req);
    // A missing codebook or storage fails now (503), before a job exists.
    await retrievalDeps(platform, c.env);
    const queue = c.env.INGEST_QUEUE;
    if (!queue) throw new ApiError("index_unavailable", "the ingestion queue is not configured (INGEST_QUEUE binding)");
    const jobs = jobStore(c.env);
    const job = crypto.randomUUID();
    await jobs.create(job, batch.items, batch.options);
    let queued = 0;
    try {
      for (; queued < batch.items.length; queued += SEND_BATCH) {
        const messages: Array<MessageSendRequest<IngestMessage>> = [];
        for (let p = queued; p < Math.min(batch.items.length, queued + SEND_BATCH); p++) messages.push({ body: { job, position: p } });
        await queue.sendBatch(messages);
      }
    } catch (error) {
      // Items whose messages were never queued would stay pending forever: record them as failed.
      const message = `the ingestion queue refused messages: ${(error as Error).message}`;
      await jobs.failFrom(job, queued, "queue_unavailable", message);
      throw new ApiError("index_unavailable", `${message} (job ${job}: ${queued} of ${batch.items.length} items queued, the rest failed)`, { job, queued });
    }
    return c.json({ job }, 202);
  });
}
