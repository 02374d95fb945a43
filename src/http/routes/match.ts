import { Hono } from "hono";
import type { Bindings } from "../bindings";
import type { Platform } from "../platform";
import { readMatchRequest, type ImageSource } from "../requests";
import { readAll } from "../../image/byte-source";
import { toExtractionOptions, toMatchOptions } from "../options";
import { extractPrepared, prepareImage } from "../../service/extract-image";
import { matchFeatureSets } from "../../service/match-features";
import { renderMatchSvg } from "../render-svg";
import { sniffImageType } from "../../image/sniff";
import { serverTiming } from "../server-timing";
import { ApiError } from "../errors";
import { LIMITS } from "../../service/limits";

const MIME = { jpeg: "image/jpeg", png: "image/png", webp: "image/webp" } as const;

export function matchRoutes(platform: Platform) {
  return new Hono<{ Bindings: Bindings }>().post("/v1/match", async (c) => {
    const format = c.req.query("format") ?? "json";
    if (format !== "json" && format !== "svg") throw new ApiError("invalid_options", `format must be json or svg, not ${format}`);
    const started = performance.now();
    const request = await readMatchRequest(c.req);
    const ctx = await platform.context(c.env);
    const extraction = toExtractionOptions(request.options);
    // One encoded file at a time: load and decode image 1, then image 2, and let each go (unless the
    // SVG embeds them) before the pyramids run.
    const originals: Uint8Array[] = [];
    const prepare = async (load: ImageSource) => {
      const input = await load();
      if (format !== "svg") return prepareImage(ctx, input, extraction);
      // The SVG embeds the originals: they are held whole.
      const tooLarge = () => new ApiError("payload_too_large", `format=svg embeds the images, so each must be at most ${LIMITS.maxHeldImageBytes} bytes; use format=json for larger ones`);
      const bytes = input instanceof Uint8Array ? input : await readAll(input, LIMITS.maxHeldImageBytes, tooLarge);
      originals.push(bytes);
      return prepareImage(ctx, bytes, extraction);
    };
    const p1 = await prepare(request.image1);
    const p2 = await prepare(request.image2);
    const e1 = await extractPrepared(ctx, p1, extraction);
    const e2 = await extractPrepared(ctx, p2, extraction);
    const body = await matchFeatureSets(ctx, e1.set, e2.set, toMatchOptions(request.options));
    const timingsMs = {
      decode: e1.timingsMs.decode + e2.timingsMs.decode,
      extract1: e1.timingsMs.extract,
      extract2: e2.timingsMs.extract,
      match: body.timingsMs.match,
      ransac: body.timingsMs.ransac,
      total: performance.now() - started,
    };
    c.header("Server-Timing", serverTiming(timingsMs));
    if (format === "svg") {
      const svgImage = (bytes: Uint8Array, set: typeof e1.set) => ({
        bytes,
        mime: MIME[sniffImageType(bytes) ?? "png"],
        width: set.image?.width ?? 0,
        height: set.image?.height ?? 0,
      });
      const svg = renderMatchSvg(svgImage(originals[0], e1.set), svgImage(originals[1], e2.set), body, c.req.query("outliers") === "1");
      return c.body(svg, 200, { "content-type": "image/svg+xml; charset=utf-8" });
    }
    const image = (set: typeof e1.set) => ({
      width: set.image!.width,
      height: set.image!.height,
      processed: set.processed ? { width: set.processed.width, height: set.processed.height, fit: set.processed.fit } : null,
      numFeatures: set.features.count,
    });
    return c.json({
      model: e1.set.model,
      image1: image(e1.set),
      image2: image(e2.set),
      numPutative: body.numPutative,
      numInliers: body.numInliers,
      transform: body.transform,
      matches: body.matches,
      timingsMs,
      cache: { image1: e1.cache, image2: e2.cache },
    });
  });
}
