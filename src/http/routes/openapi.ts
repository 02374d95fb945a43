/** GET /openapi.json — generated from the same zod schemas that validate requests. */
import { Hono } from "hono";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import packageJson from "../../../package.json";
import {
  BatchJsonBodySchema,
  ErrorResponseSchema,
  ExtractOptionsSchema,
  IndexJsonBodySchema,
  IndexResponseSchema,
  IndexStatsSchema,
  ItemResponseSchema,
  JobResponseSchema,
  SearchJsonBodySchema,
  SearchResponseSchema,
  FeaturesJsonBodySchema,
  MatchJsonBodySchema,
  MatchResponseSchema,
  VerifyOptionsSchema,
} from "../schemas";
import { FeatureSetInputSchema } from "../../features/feature-set";

const errors = Object.fromEntries(
  [
    [400, "invalid_request, invalid_json, invalid_options, invalid_features, image_decode_failed, image_fetch_failed"],
    [401, "unauthorized (only when the API_KEY secret is set)"],
    [408, "upload_timeout (a /v1/match multipart upload, decoded while it arrives, that sends nothing for 10 s or takes over 120 s)"],
    [413, "payload_too_large, image_too_large"],
    [415, "unsupported_media_type"],
    [429, "rate_limited"],
    [503, "model_unavailable, overloaded (with Retry-After)"],
  ].map(([status, codes]) => [status, { description: String(codes), content: { "application/json": { schema: ErrorResponseSchema } } }]),
);

/** The retrieval endpoints' extra codes (besides the common ones above). */
const retrievalErrors = Object.fromEntries(
  [
    [400, "invalid_request, invalid_json, invalid_options, invalid_features, invalid_id, duplicate_id (batch), image_decode_failed, image_fetch_failed"],
    [404, "item_not_found, job_not_found"],
    [413, "metadata_too_large (> 2 KiB), payload_too_large (> 1000 batch items), image_too_large"],
    [415, "unsupported_media_type"],
    [503, "index_unavailable (codebook missing or corrupt, storage not configured; batch: the queue refused messages — details.job names the job, unqueued items fail with queue_unavailable), model_unavailable, overloaded"],
  ].map(([status, codes]) => [status, { description: String(codes), content: { "application/json": { schema: ErrorResponseSchema } } }]),
);

const file = z.string().openapi({ type: "string", format: "binary" });

function buildDocument() {
  const api = new OpenAPIHono();
  const registry = api.openAPIRegistry;
  registry.registerPath(
    createRoute({
      method: "post",
      path: "/v1/match",
      summary: "Match two images with DELF features, nearest neighbours and RANSAC",
      request: {
        query: z.object({ format: z.enum(["json", "svg"]).optional(), outliers: z.enum(["0", "1"]).optional() }),
        body: {
          content: {
            "application/json": { schema: MatchJsonBodySchema },
            "multipart/form-data": {
              schema: z.object({
                options: z.string().optional().openapi({
                  description: "JSON of the options object. Send it before the images: the body is then read as a stream and may be up to 25 MiB (two 12 MiB photos); after them, 10 MiB",
                }),
                image1: file,
                image2: file,
              }),
            },
          },
        },
      },
      responses: {
        200: {
          description: "matches (points in original-image pixels), or the SVG picture with format=svg",
          content: { "application/json": { schema: MatchResponseSchema }, "image/svg+xml": { schema: z.string() } },
        },
        ...errors,
      },
    }),
  );
  registry.registerPath(
    createRoute({
      method: "post",
      path: "/v1/features",
      summary: "DELF features of one image",
      request: {
        query: z.object({ format: z.enum(["json", "delf"]).optional() }),
        body: {
          content: {
            "application/json": { schema: FeaturesJsonBodySchema },
            "multipart/form-data": { schema: z.object({ image: file, options: z.string().optional() }) },
          },
        },
      },
      responses: {
        200: {
          description: "features (JSON, descriptors base64 float32) or DELF's DelfFeatures protobuf (.delf)",
          content: { "application/json": { schema: FeatureSetInputSchema }, "application/octet-stream": { schema: file } },
        },
        ...errors,
      },
    }),
  );
  registry.registerPath(
    createRoute({
      method: "post",
      path: "/v1/verify",
      summary: "Match and verify two feature sets (no extraction; works without a model)",
      request: {
        body: {
          content: {
            "application/json": {
              schema: z.object({ features1: FeatureSetInputSchema, features2: FeatureSetInputSchema, options: VerifyOptionsSchema.optional() }),
            },
            "multipart/form-data": { schema: z.object({ features1: file, features2: file, options: z.string().optional() }) },
          },
        },
      },
      responses: { 200: { description: "as /v1/match", content: { "application/json": { schema: MatchResponseSchema } } }, ...errors },
    }),
  );
  const json = (schema: z.ZodTypeAny, description: string) => ({ description, content: { "application/json": { schema } } });
  registry.registerPath(
    createRoute({
      method: "post",
      path: "/v1/index",
      summary: "Index one item (or replace the item with that id, atomically) from an image or a feature set",
      request: {
        body: {
          content: {
            "application/json": { schema: IndexJsonBodySchema },
            "multipart/form-data": {
              schema: z.object({ id: z.string(), image: file, metadata: z.string().optional(), options: z.string().optional() }),
            },
          },
        },
      },
      responses: { 201: json(IndexResponseSchema, "indexed"), ...retrievalErrors },
    }),
  );
  registry.registerPath(
    createRoute({ method: "get", path: "/v1/index", summary: "Index counts and storage bytes", responses: { 200: json(IndexStatsSchema, "stats"), ...retrievalErrors } }),
  );
  for (const method of ["get", "delete"] as const)
    registry.registerPath(
      createRoute({
        method,
        path: "/v1/index/{id}",
        summary: method === "get" ? "An indexed item's metadata and feature count" : "Remove an item (it never comes back in results)",
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: json(method === "get" ? ItemResponseSchema : z.object({ id: z.string(), deleted: z.literal(true) }), "the item"), ...retrievalErrors },
      }),
    );
  registry.registerPath(
    createRoute({
      method: "post",
      path: "/v1/search",
      summary: "Search the index: ASMK* shortlist, then NN + RANSAC re-rank, ranked by (inliers, score)",
      request: {
        body: {
          content: {
            "application/json": { schema: SearchJsonBodySchema },
            "multipart/form-data": { schema: z.object({ image: file, options: z.string().optional() }) },
          },
        },
      },
      responses: { 200: json(SearchResponseSchema, "ranked results"), ...retrievalErrors },
    }),
  );
  registry.registerPath(
    createRoute({
      method: "post",
      path: "/v1/index/batch",
      summary: "Index up to 1000 {id, url} items through the ingestion Queue",
      request: { body: { content: { "application/json": { schema: BatchJsonBodySchema } } } },
      responses: { 202: json(z.object({ job: z.string() }), "queued"), ...retrievalErrors },
    }),
  );
  registry.registerPath(
    createRoute({
      method: "get",
      path: "/v1/jobs/{job}",
      summary: "A batch job: done, pending and each failure with its code",
      request: { params: z.object({ job: z.string() }) },
      responses: { 200: json(JobResponseSchema, "progress"), ...retrievalErrors },
    }),
  );
  for (const [path, summary] of [
    ["/v1/health", "liveness, the live tfjs backend, the model's state"],
    ["/v1/model", "the served model: name, trained, source, tensor count, load time"],
  ] as const)
    registry.registerPath(createRoute({ method: "get", path, summary, responses: { 200: { description: summary } } }));
  registry.register("ExtractOptions", ExtractOptionsSchema);
  return api.getOpenAPIDocument({
    openapi: "3.0.3",
    info: { title: "delf-edge", version: packageJson.version, description: "DELF image matching at the edge" },
  });
}

let document: ReturnType<typeof buildDocument> | undefined;

export function openApiRoutes() {
  return new Hono().get("/openapi.json", (c) => c.json((document ??= buildDocument())));
}
