import { Hono } from "hono";
import type { Bindings } from "../bindings";
import type { Platform } from "../platform";
import { readVerifyRequest } from "../requests";
import { toMatchOptions } from "../options";
import { matchFeatureSets } from "../../service/match-features";
import { serverTiming } from "../server-timing";
import type { FeatureSet } from "../../features/feature-set";

/** Matching and verification of two feature sets: no model needed, so it works even without one. */
export function verifyRoutes(platform: Platform) {
  return new Hono<{ Bindings: Bindings }>().post("/v1/verify", async (c) => {
    const started = performance.now();
    const { set1, set2, options } = await readVerifyRequest(c.req);
    const ctx = await platform.context(c.env);
    const body = await matchFeatureSets(ctx, set1, set2, toMatchOptions(options));
    const timingsMs = { match: body.timingsMs.match, ransac: body.timingsMs.ransac, total: performance.now() - started };
    c.header("Server-Timing", serverTiming(timingsMs));
    const image = (set: FeatureSet) =>
      set.image
        ? {
            width: set.image.width,
            height: set.image.height,
            processed: set.processed ? { width: set.processed.width, height: set.processed.height, fit: set.processed.fit } : null,
            numFeatures: set.features.count,
          }
        : null;
    return c.json({
      model: set1.model ?? set2.model ?? null,
      image1: image(set1),
      image2: image(set2),
      numPutative: body.numPutative,
      numInliers: body.numInliers,
      transform: body.transform,
      matches: body.matches,
      timingsMs,
    });
  });
}
