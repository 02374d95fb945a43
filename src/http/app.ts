/**
 * Builds the Hono app over a Platform (how the isolate's context is built). Routes, in data-flow
 * order: /v1/match (images → features → matches), /v1/features, /v1/verify, plus health, model,
 * the OpenAPI document and the web page.
 */
import { Hono } from "hono";
import { ApiError, errorBody, toApiError } from "./errors";
import { apiKeyAuth, rateLimit, requestBodyLimit } from "./middleware";
import { healthRoutes } from "./routes/health";
import { modelRoutes } from "./routes/model";
import { matchRoutes } from "./routes/match";
import { featuresRoutes } from "./routes/features";
import { verifyRoutes } from "./routes/verify";
import { openApiRoutes } from "./routes/openapi";
import { pageRoutes } from "./routes/page";
import { indexItemRoutes } from "./routes/index-items";
import { indexBatchRoutes } from "./routes/index-batch";
import { searchRoutes } from "./routes/search";
import { jobRoutes } from "./routes/jobs";
import { searchPageRoutes } from "./routes/search-page";
import type { Bindings } from "./bindings";
import type { Platform } from "./platform";

export function createApp(platform: Platform) {
  const app = new Hono<{ Bindings: Bindings }>();
  app.use("/v1/*", apiKeyAuth, rateLimit, requestBodyLimit);
  const routes = app
    .route("/", healthRoutes(platform))
    .route("/", modelRoutes(platform))
    .route("/", matchRoutes(platform))
    .route("/", featuresRoutes(platform))
    .route("/", verifyRoutes(platform))
    .route("/", indexBatchRoutes(platform))
    .route("/", indexItemRoutes(platform))
    .route("/", searchRoutes(platform))
    .route("/", jobRoutes())
    .route("/", openApiRoutes())
    .route("/", pageRoutes())
    .route("/", searchPageRoutes());

  app.notFound((c) => c.json(errorBody(new ApiError("not_found", `no route for ${c.req.method} ${c.req.path}`)), 404));
  app.onError((err, c) => {
    const error = toApiError(err);
    if (error.code === "overloaded") c.header("Retry-After", "5");
    return c.json(errorBody(error), error.status);
  });
  return routes;
}

export type App = ReturnType<typeof createApp>;
