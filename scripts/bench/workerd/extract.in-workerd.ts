// Inside workerd (a fresh workerd process per `vitest run`): prints one WORKERD_BENCH JSON line.
import { it } from "vitest";
import { env } from "cloudflare:test";
import { workerWasmModules } from "../../../src/runtime/wasm-modules.worker";
import { measureExtraction } from "./measure";
import type { ConvKernelTile } from "../../../src/delf/conv-engine/kernel";
import type { ConvEngineName } from "../../../src/delf/conv-engine";

it("extraction inside workerd", async () => {
  const config = JSON.parse((env as { BENCH_CONFIG?: string }).BENCH_CONFIG ?? "{}") as { runs?: number; compareTiles?: ConvKernelTile[]; engine?: ConvEngineName };
  const result = await measureExtraction(workerWasmModules, config.runs ?? 3, config.compareTiles ?? [], config.engine);
  console.log(`WORKERD_BENCH ${JSON.stringify({ userAgent: navigator.userAgent, ...result })}`);
});
