/**
 * The Worker entry: the Hono app over the Worker platform (bundled wasm, Static Assets model), and
 * the consumer of the ingestion Queue (and its dead-letter queue) for POST /v1/index/batch, and the
 * cron-driven retrieval compaction.
 */
import { createApp } from "./http/app";
import { consumeIngestBatch } from "./http/ingest-consumer";
import { scheduledCompaction } from "./http/scheduled-compaction";
import { workerPlatform } from "./worker-platform";
import type { Bindings, IngestMessage } from "./http/bindings";

const platform = workerPlatform();
const app = createApp(platform);

export default {
  fetch: app.fetch,
  queue: (batch, env) => consumeIngestBatch(platform, batch, env),
  scheduled: (_controller, env, ctx) => ctx.waitUntil(scheduledCompaction(platform, env)),
} satisfies ExportedHandler<Bindings, IngestMessage>;
export type AppType = typeof app;
