/** POST /v1/search: shortlist by ASMK* over the D1 postings, then geometric re-rank of the shortlist. */
import { Hono } from "hono";
import type { Bindings } from "../bindings";
import type { Platform } from "../platform";
import { readSearchRequest } from "../retrieval-requests";
import { retrievalDeps } from "../retrieval-deps";
import { serverTiming } from "../server-timing";
import { DEFAULT_MAX_DF, DEFAULT_MULTI_ASSIGN, DEFAULT_POSTINGS_BUDGET, DEFAULT_RERANK_PAIRS, DEFAULT_SHORTLIST, DEFAULT_TOP_K, search } from "../../retrieval/service";
import { featuresOf } from "./index-items";

export function searchRoutes(platform: Platform) {
  return new Hono<{ Bindings: Bindings }>().post("/v1/search", async (c) => {
    const started = performance.now();
    const { input, options } = await readSearchRequest(c.req);
    const deps = await retrievalDeps(platform, c.env);
    const t0 = performance.now();
    const query = await featuresOf(deps, platform, c.env, input);
    const extract = performance.now() - t0;
    // Only the options the caller gave: the re-rank's own defaults (core's RERANK_DEFAULTS) fill the rest.
    const { distance, matcher, ratio, ransac } = options;
    const match = Object.fromEntries(Object.entries({ distance, matcher, ratio, ransac }).filter(([, v]) => v !== undefined));
    const body = await search(deps, query, {
      topK: options.topK ?? DEFAULT_TOP_K,
      shortlist: options.shortlist ?? DEFAULT_SHORTLIST,
      match,
      multiAssign: options.multiAssign ?? DEFAULT_MULTI_ASSIGN,
      maxDf: options.maxDf ?? DEFAULT_MAX_DF,
      postingsBudget: options.postingsBudget ?? DEFAULT_POSTINGS_BUDGET,
      rerankPairs: options.rerankPairs ?? DEFAULT_RERANK_PAIRS,
    });
    const timingsMs = { extract, ...body.timingsMs, total: performance.now() - started };
    c.header("Server-Timing", serverTiming(timingsMs));
    return c.json({ results: body.results, numCandidates: body.numCandidates, timingsMs });
  });
}
