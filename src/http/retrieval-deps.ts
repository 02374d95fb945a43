/** The retrieval service's dependencies for one request: storage bindings, codebook, the isolate's kernels. */
import { ApiError } from "./errors";
import { D1RetrievalStore } from "../retrieval/store/d1-store";
import { JobStore } from "../retrieval/store/jobs";
import type { RetrievalDeps } from "../retrieval/service";
import type { Bindings } from "./bindings";
import type { Platform } from "./platform";

export function retrievalStore(env: Bindings): D1RetrievalStore {
  if (!env.INDEX_DB || !env.FEATURES) throw new ApiError("index_unavailable", "the retrieval index is not configured (INDEX_DB and FEATURES bindings)");
  return new D1RetrievalStore(env.INDEX_DB, env.FEATURES);
}

export function jobStore(env: Bindings): JobStore {
  if (!env.INDEX_DB) throw new ApiError("index_unavailable", "the retrieval index is not configured (INDEX_DB binding)");
  return new JobStore(env.INDEX_DB);
}

export async function retrievalDeps(platform: Platform, env: Bindings): Promise<RetrievalDeps> {
  const store = retrievalStore(env);
  if (!platform.codebook) throw new ApiError("index_unavailable", "this front door has no retrieval codebook");
  const codebook = await platform.codebook(env);
  const ctx = await platform.context(env);
  return { ctx, store, codebook };
}
