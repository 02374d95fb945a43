/**
 * The ingestion Queue's consumer (this same Worker): each message is one batch-job item. The item is
 * claimed (pending only), its URL fetched, DELF extracted and the item indexed by a write guarded by
 * the job item, so a redelivered or retried message never indexes it twice. Client-side failures
 * (bad URL, not an image, too large) are final: recorded with their code. Anything else is retried;
 * after the last retry the message lands in the dead-letter queue, whose consumer records it as failed.
 */
import type { Bindings, IngestMessage } from "./bindings";
import type { Platform } from "./platform";
import { toApiError } from "./errors";
import { fetchImageUrl } from "./image-input";
import { retrievalDeps } from "./retrieval-deps";
import { toExtractionOptions } from "./options";
import { JobStore } from "../retrieval/store/jobs";
import { extractImage } from "../service/extract-image";
import { compactIndex, indexItem } from "../retrieval/service";
import type { ExtractOptionsInput } from "./schemas";

export function isDeadLetterQueue(queue: string): boolean {
  return queue.endsWith("-dlq");
}

async function ingestOne(platform: Platform, env: Bindings, jobs: JobStore, message: Message<IngestMessage>): Promise<void> {
  const { job, position } = message.body;
  const item = await jobs.claim(job, position);
  if (!item) return message.ack();
  try {
    const deps = await retrievalDeps(platform, env);
    const bytes = await fetchImageUrl(item.url, "url");
    const ctx = await platform.context(env);
    const { set } = await extractImage(ctx, bytes, toExtractionOptions(item.options as ExtractOptionsInput));
    await indexItem(deps, { id: item.id, set, metadata: item.metadata }, { job, position });
    message.ack();
  } catch (error) {
    const api = toApiError(error);
    if (api.status < 500) {
      await jobs.fail(job, position, api.code, api.message);
      message.ack();
    } else {
      console.error(`ingest ${job}#${position} (${item.id}) attempt ${item.attempts}: ${api.code}: ${api.message}`);
      message.retry();
    }
  }
}

export async function consumeIngestBatch(platform: Platform, batch: MessageBatch<IngestMessage>, env: Bindings): Promise<void> {
  if (!env.INDEX_DB) return batch.retryAll();
  const jobs = new JobStore(env.INDEX_DB);
  if (isDeadLetterQueue(batch.queue)) {
    for (const message of batch.messages) {
      await jobs.fail(message.body.job, message.body.position, "retries_exhausted", "the item failed on every retry (see the Worker's logs)");
      message.ack();
    }
    return;
  }
  // One at a time: extraction is serialised per isolate anyway, and each item is independent.
  for (const message of batch.messages) await ingestOne(platform, env, jobs, message);
  try {
    const deps = await retrievalDeps(platform, env);
    await compactIndex(deps.store, deps.codebook);
  } catch {
    // No codebook or storage: nothing was indexed, nothing to compact.
  }
}
