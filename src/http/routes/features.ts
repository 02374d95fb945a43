import { Hono } from "hono";
import type { Bindings } from "../bindings";
import type { Platform } from "../platform";
import { readFeaturesRequest } from "../requests";
import { toExtractionOptions } from "../options";
import { extractImage } from "../../service/extract-image";
import { featureSetToJson } from "../../features/feature-set";
import { encodeDelfFeatures } from "../../features/delf-protobuf";
import { serverTiming } from "../server-timing";
import { ApiError } from "../errors";

export function featuresRoutes(platform: Platform) {
  return new Hono<{ Bindings: Bindings }>().post("/v1/features", async (c) => {
    const format = c.req.query("format") ?? "json";
    if (format !== "json" && format !== "delf") throw new ApiError("invalid_options", `format must be json or delf, not ${format}`);
    const started = performance.now();
    const request = await readFeaturesRequest(c.req);
    const ctx = await platform.context(c.env);
    const extraction = await extractImage(ctx, request.image, toExtractionOptions(request.options));
    const timingsMs = { ...extraction.timingsMs, total: performance.now() - started };
    c.header("Server-Timing", serverTiming(timingsMs));
    c.header("X-Cache", extraction.cache);
    if (format === "delf") {
      c.header("X-Model-Trained", String(extraction.set.model?.trained ?? false));
      return c.body(encodeDelfFeatures(extraction.set.features) as Uint8Array<ArrayBuffer>, 200, {
        "content-type": "application/octet-stream",
        "content-disposition": 'attachment; filename="features.delf"',
      });
    }
    return c.json({ ...featureSetToJson(extraction.set), timingsMs, cache: extraction.cache });
  });
}
