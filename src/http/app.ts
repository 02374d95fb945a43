/**
 * Builds the Hono app. The front door (Worker entry or Node) passes a Platform: how to get the
 * compiled wasm modules, and anything else that differs between workerd and Node.
 */
import { Hono } from "hono";
import { ApiError, errorBody } from "./errors";
import { healthRoutes } from "./routes/health";
import type { Platform } from "./platform";

export function createApp(platform: Platform) {
  const app = new Hono()
    .route("/", healthRoutes(platform));

  app.notFound((c) => c.json(errorBody(new ApiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`)), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err), err.status);
    console.error("unhandled error", err);
    return c.json(errorBody(new ApiError(500, "internal_error", "internal error")), 500);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
