import { Hono } from "hono";
import type { Bindings } from "../bindings";
import type { Platform } from "../platform";

/** The model this isolate serves (loads it if not loaded yet). */
export function modelRoutes(platform: Platform) {
  return new Hono<{ Bindings: Bindings }>().get("/v1/model", async (c) => {
    const ctx = await platform.context(c.env);
    await ctx.models.get().catch(() => undefined);
    const status = ctx.models.status;
    if (status.state !== "ready") return c.json({ name: "delf-v1" as const, ...status }, 503);
    return c.json({ name: "delf-v1" as const, ...status });
  });
}
