/** The retrieval index's items: POST /v1/index (add or replace one), GET /v1/index, GET/DELETE /v1/index/{id}. */
import { Hono } from "hono";
import type { Bindings } from "../bindings";
import type { Platform } from "../platform";
import { ApiError } from "../errors";
import { checkItemId, readIndexRequest, type QueryInput } from "../retrieval-requests";
import { retrievalDeps, retrievalStore } from "../retrieval-deps";
import { toExtractionOptions } from "../options";
import { extractImage } from "../../service/extract-image";
import { compactIndex, indexItem, type RetrievalDeps } from "../../retrieval/service";
import type { FeatureSet } from "../../features/feature-set";
import type { Context } from "hono";

/** The features of an index or search input: given, or extracted (the image path needs the model). */
export async function featuresOf(deps: RetrievalDeps, platform: Platform, env: Bindings, input: QueryInput): Promise<FeatureSet> {
  if (input.kind === "features") return input.set;
  const ctx = await platform.context(env);
  return (await extractImage(ctx, input.bytes, toExtractionOptions(input.options))).set;
}

/** Runs `work` after the response when the runtime allows (Workers), else drops it (app.fetch in tests). */
export function afterResponse(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    work.catch(() => undefined);
  }
}

export function indexItemRoutes(platform: Platform) {
  return new Hono<{ Bindings: Bindings }>()
    .post("/v1/index", async (c) => {
      const request = await readIndexRequest(c.req);
      const deps = await retrievalDeps(platform, c.env);
      const set = await featuresOf(deps, platform, c.env, request.input);
      const written = await indexItem(deps, { id: request.id, set, metadata: request.metadata });
      afterResponse(c, compactIndex(deps.store, deps.codebook));
      return c.json(written!, 201);
    })
    .get("/v1/index", async (c) => {
      const store = retrievalStore(c.env);
      const stats = await store.stats();
      let codebook = null;
      try {
        const cb = platform.codebook ? await platform.codebook(c.env) : null;
        codebook = cb ? { numWords: cb.numWords, dim: cb.dim, sha256: cb.sha256 } : null;
      } catch {
        codebook = null;
      }
      return c.json({
        items: stats.items,
        features: stats.features,
        storageBytes: { features: stats.featuresBytes, postings: stats.postingsBytes },
        segments: stats.segments,
        codebook,
      });
    })
    .get("/v1/index/:id", async (c) => {
      const id = checkItemId(c.req.param("id"));
      const item = await retrievalStore(c.env).getItem(id);
      if (!item) throw new ApiError("item_not_found", `no indexed item ${id}`);
      return c.json({ id: item.id, numFeatures: item.numFeatures, numWords: item.numWords, metadata: item.metadata, indexedAt: item.indexedAt });
    })
    .delete("/v1/index/:id", async (c) => {
      const id = checkItemId(c.req.param("id"));
      if (!(await retrievalStore(c.env).deleteItem(id))) throw new ApiError("item_not_found", `no indexed item ${id}`);
      return c.json({ id, deleted: true });
    });
}
