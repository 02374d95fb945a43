/**
 * Writes before-memory-work.json: DELF features of the fixed CASES with synthetic:1 weights, made by
 * whatever extractor this file is run against. It was run once on a checkout of commit 55a70cf
 * (the plain eager extractor, before any memory work):
 *   git archive 55a70cf | tar -x -C /tmp/before && (node_modules, build/) && copy test/node/memory there
 *   cd /tmp/before && npx tsx test/node/memory/make-before-fixture.ts > test/node/memory/before-memory-work.json
 * Float32 values are written exactly (a float32 converts to a double and back without loss).
 */
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node.js";
import { startRuntime } from "../../../src/runtime/start";
import { syntheticDelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { CASES, WEIGHTS_SEED, proceduralImage } from "./inputs";

await startRuntime(await loadNodeWasmModules());
const model = syntheticDelfModel(WEIGHTS_SEED);
const out: Record<string, unknown> = {};
for (const c of CASES) {
  const f = await extractDelfFeatures(model, proceduralImage(c.width, c.height), {
    scales: c.scales,
    scoreThreshold: c.scoreThreshold,
    maxFeatures: c.maxFeatures,
  });
  out[c.name] = {
    count: f.count,
    locations: Array.from(f.locations),
    scales: Array.from(f.scales),
    scores: Array.from(f.scores),
    descriptors: Array.from(f.descriptors),
  };
}
process.stdout.write(`${JSON.stringify({ madeFrom: "commit 55a70cf (before the memory work)", weights: `synthetic:${WEIGHTS_SEED}`, cases: out })}\n`);
