/** Worker bindings and variables (wrangler.toml / secrets). All optional: tests run without them. */
export interface Bindings {
  /** Static Assets holding model-assets/ (model/model.json + shards). */
  ASSETS?: Fetcher;
  /** "synthetic:<seed>" lets a Worker without model files run on synthetic weights (dev only). */
  MODEL_FALLBACK?: string;
  /** When set, every /v1 request needs `Authorization: Bearer <API_KEY>`. */
  API_KEY?: string;
  /** Workers Rate Limiting binding (optional). */
  RATE_LIMITER?: { limit(options: { key: string }): Promise<{ success: boolean }> };
}
