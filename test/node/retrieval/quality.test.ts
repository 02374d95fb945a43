// Retrieval quality on the shared stand-in features (../shared/data/retrieval, public half), in memory
// through the core functions with the committed codebook. Deterministic (seeded codebook, seeded
// RANSAC), so the target is a test: mAP ≥ 0.92 (the set's bag-of-words baseline is 0.897).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadKernelsInNode } from "../../../src/match/node-kernels";
import { parseCodebook } from "../../../src/retrieval/core";
import { DEFAULT_QUALITY_CONFIG, QualityCache, evaluateQuality, loadRetrievalSet } from "../../../scripts/bench/retrieval-quality";

const dataDir = fileURLToPath(new URL("../../../../shared/data/retrieval/", import.meta.url));
const codebookDir = fileURLToPath(new URL("../../../model-assets/codebook/", import.meta.url));
const haveShared = existsSync(`${dataDir}features`);
if (!haveShared) console.warn(`skipping retrieval quality tests: ${dataDir} (../shared) not found`);

describe.skipIf(!haveShared)("retrieval quality on the public stand-in set", () => {
  it("committed codebook matches its sha-256; ASMK* alone and with the re-rank of the top 20 reach mAP ≥ 0.92, P@1 ≥ 0.95", async () => {
    const k = await loadKernelsInNode();
    const sha = readFileSync(`${codebookDir}codebook.sha256`, "utf8").split(/\s+/)[0];
    const cb = await parseCodebook(new Uint8Array(readFileSync(`${codebookDir}codebook.bin`)), sha);
    const data = loadRetrievalSet(dataDir);
    expect(data.sets.length).toBe(82);
    const cache = new QualityCache(k, cb, data);
    const asmkOnly = evaluateQuality(k, cb, data, { ...DEFAULT_QUALITY_CONFIG, shortlist: 0 }, cache);
    const reranked = evaluateQuality(k, cb, data, { ...DEFAULT_QUALITY_CONFIG, shortlist: 20 }, cache);
    console.info(`retrieval quality: ASMK* mAP ${asmkOnly.mAP.toFixed(4)} P@1 ${asmkOnly.p1.toFixed(4)}; ` +
      `+ re-rank top 20 mAP ${reranked.mAP.toFixed(4)} P@1 ${reranked.p1.toFixed(4)} P@5 ${reranked.p5.toFixed(4)}`);
    for (const r of [asmkOnly, reranked]) {
      expect(r.queries).toBe(82);
      expect(r.resultsPerQuery).toBeGreaterThanOrEqual(20);
      expect(r.mAP).toBeGreaterThanOrEqual(0.92);
      expect(r.p1).toBeGreaterThanOrEqual(0.95);
    }
  });
});
