/**
 * The compaction driver (wrangler.toml [triggers]): a cron event runs bounded compaction steps, so a
 * merge left half-built (its 'building' segment, invisible to searches) finishes without waiting for the
 * next write. The steps take the D1 lease like any other compaction; without a codebook or storage
 * (no retrieval configured) there is nothing to do.
 */
import type { Bindings } from "./bindings";
import type { Platform } from "./platform";
import { retrievalStore } from "./retrieval-deps";
import { compactIndex } from "../retrieval/service";

/** Compaction steps per cron event (each bounded: ≤ 4 word ranges of ≤ 4 MB). */
export const SCHEDULED_COMPACTION_STEPS = 8;

export async function scheduledCompaction(platform: Platform, env: Bindings): Promise<number> {
  if (!env.INDEX_DB || !env.FEATURES || !platform.codebook) return 0;
  let codebook;
  try {
    codebook = await platform.codebook(env);
  } catch {
    return 0; // missing or corrupt codebook: the API answers 503 index_unavailable; nothing to compact
  }
  return compactIndex(retrievalStore(env), codebook, SCHEDULED_COMPACTION_STEPS);
}
