// Inside workerd: the conv kernel's per-shape GEMM timing (bench -- gemm --workerd); prints one WORKERD_GEMM JSON line.
import { it } from "vitest";
import { env } from "cloudflare:test";
import { workerWasmModules } from "../../../src/runtime/wasm-modules.worker";
import { measureGemm, type GemmOptions } from "../gemm/measure";

it("conv GEMM inside workerd", async () => {
  const options = JSON.parse((env as { BENCH_CONFIG?: string }).BENCH_CONFIG ?? "{}") as GemmOptions;
  const result = await measureGemm(workerWasmModules, options);
  console.log(`WORKERD_GEMM ${JSON.stringify({ userAgent: navigator.userAgent, ...result })}`);
});
