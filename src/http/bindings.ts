/** One batch-job item to index (POST /v1/index/batch). */
export interface IngestMessage {
  job: string;
  position: number;
}

/** Worker bindings and variables (wrangler.toml / secrets). All optional: tests run without them. */
export interface Bindings {
  /** Static Assets holding model-assets/ (model/model.json + shards). */
  ASSETS?: Fetcher;
  /** "synthetic:<seed>" lets a Worker without model files run on synthetic weights (dev only). */
  MODEL_FALLBACK?: string;
  /** When set, every /v1 request needs `Authorization: Bearer <API_KEY>`. */
  API_KEY?: string;
  /** Workers Rate Limiting binding (optional). */
  /** Retrieval index: ids, metadata, segments and postings (migrations/). */
  INDEX_DB?: D1Database;
  /** Retrieval index: each item version's packed features. */
  FEATURES?: R2Bucket;
  /** Batch ingestion queue (its consumer is this Worker). */
  INGEST_QUEUE?: Queue<IngestMessage>;
  RATE_LIMITER?: { limit(options: { key: string }): Promise<{ success: boolean }> };
}
