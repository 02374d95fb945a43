import { Hono } from "hono";
import packageJson from "../../../package.json";
import { startRuntime } from "../../runtime/start";
import { tfjsBackendStatus } from "../../runtime/tfjs";
import type { Platform } from "../platform";

export function healthRoutes(platform: Platform) {
  return new Hono().get("/v1/health", async (c) => {
    await startRuntime(await platform.wasmModules());
    const { backend, simd } = tfjsBackendStatus();
    return c.json({
      status: "ok" as const,
      backend,
      simd,
      kernels: "assemblyscript" as const,
      version: packageJson.version,
    });
  });
}
