/** GET /openapi.json — generated from the same zod schemas that validate requests. */
import { Hono } from "hono";
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import packageJson from "../../../package.json";
import {
  ErrorResponseSchema,
  ExtractOptionsSchema,
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
    [413, "payload_too_large, image_too_large"],
    [415, "unsupported_media_type"],
    [429, "rate_limited"],
    [503, "model_unavailable, overloaded (with Retry-After)"],
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
              schema: z.object({ image1: file, image2: file, options: z.string().optional().openapi({ description: "JSON of the options object" }) }),
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
