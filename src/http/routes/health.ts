import { Hono } from "hono";
import packageJson from "../../../package.json";
import { tfjsBackendStatus } from "../../runtime/tfjs";
import type { Bindings } from "../bindings";
import type { Platform } from "../platform";

/**
 * Liveness plus what the engine really runs on (read from the live tfjs engine) and the model's
 * state. 200 even when the model is unavailable (verification still works); the body says why.
 */
export function healthRoutes(platform: Platform) {
  return new Hono<{ Bindings: Bindings }>().get("/v1/health", async (c) => {
    const ctx = await platform.context(c.env);
    await ctx.models.get().catch(() => undefined);
    const { backend, simd } = tfjsBackendStatus();
    const model = ctx.models.status;
    return c.json({
      status: "ok" as const,
      backend,
      simd,
      kernels: "assemblyscript" as const,
      version: packageJson.version,
      model:
        model.state === "ready"
          ? { state: model.state, trained: model.trained, source: model.source, ...(model.trained ? {} : { warning: "synthetic weights: not DELF quality" }) }
          : model,
    });
  });
}
