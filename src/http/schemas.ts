/**
 * Request and response schemas: the single definition used both to validate requests and to
 * generate /openapi.json. Defaults are the tutorial's.
 */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../service/limits";
import { DEFAULT_MAX_DF, DEFAULT_MULTI_ASSIGN, DEFAULT_POSTINGS_BUDGET, DEFAULT_RERANK_PAIRS, POSTINGS_BUDGET_MIN, STOP_WORD_MIN_POSTINGS } from "../retrieval/service";

const finite = z.number().finite();

export const FitSchema = z
  .union([z.literal(256), z.literal("none"), z.object({ maxSide: z.number().int().min(LIMITS.minFitSide).max(LIMITS.maxFitSide) }).strict()])
  .openapi({ description: '256 = the tutorial\'s centre crop + Lanczos resize to 256×256; "none" = as is; {maxSide} = downscale so the longer side ≤ maxSide' });

export const ExtractOptionsSchema = z
  .object({
    scales: z.array(finite.min(LIMITS.minScale).max(LIMITS.maxScale)).min(1).max(LIMITS.maxScales).optional()
      .openapi({ example: [0.25, 0.3536, 0.5, 0.7071, 1.0, 1.4142, 2.0] }),
    scoreThreshold: finite.min(0).max(1e6).optional().openapi({ example: 100 }),
    maxFeatures: z.number().int().min(1).max(LIMITS.maxFeatures).optional().openapi({ example: 1000 }),
    fit: FitSchema.optional(),
    dropLargeScales: z.boolean().optional()
      .openapi({ description: "drop pyramid levels too large for the isolate's memory instead of refusing with 413" }),
  })
  .strict();

export const RansacOptionsSchema = z
  .object({
    residual: finite.gt(0).max(1e4).optional(),
    maxTrials: z.number().int().min(1).max(LIMITS.maxRansacTrials).optional(),
    trials: z.enum(["full", "adaptive"]).optional(),
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
    model: z.enum(["affine", "homography"]).optional(),
    stopProbability: finite.gt(0).max(1).optional(),
  })
  .strict();

export const VerifyOptionsSchema = z
  .object({
    distance: finite.gt(0).max(4).optional().openapi({ example: 0.8 }),
    matcher: z.enum(["nn", "mnn", "ratio", "mnn-ratio"]).optional(),
    ratio: finite.gt(0).max(1).optional(),
    ransac: RansacOptionsSchema.optional(),
  })
  .strict();

export const MatchOptionsSchema = ExtractOptionsSchema.merge(VerifyOptionsSchema).strict();

export type ExtractOptionsInput = z.infer<typeof ExtractOptionsSchema>;
export type VerifyOptionsInput = z.infer<typeof VerifyOptionsSchema>;
export type MatchOptionsInput = z.infer<typeof MatchOptionsSchema>;

export const ImageInputSchema = z.union([
  z.object({ url: z.string().max(4096) }).strict(),
  z.object({ base64: z.string() }).strict(),
]);

export const MatchJsonBodySchema = z
  .object({ image1: ImageInputSchema, image2: ImageInputSchema, options: MatchOptionsSchema.optional() })
  .strict();

export const FeaturesJsonBodySchema = z
  .object({ image: ImageInputSchema, options: ExtractOptionsSchema.optional() })
  .strict();

const point = z.tuple([finite, finite]);

export const ModelInfoSchema = z.object({ name: z.literal("delf-v1"), trained: z.boolean(), source: z.string() });

export const ImageInfoSchema = z.object({
  width: z.number().int(),
  height: z.number().int(),
  processed: z.object({ width: z.number().int(), height: z.number().int(), fit: z.unknown() }).nullable(),
  numFeatures: z.number().int(),
});

export const MatchResponseSchema = z
  .object({
    model: ModelInfoSchema.nullable(),
    image1: ImageInfoSchema.nullable(),
    image2: ImageInfoSchema.nullable(),
    numPutative: z.number().int(),
    numInliers: z.number().int(),
    transform: z.object({ type: z.enum(["affine", "homography"]), matrix: z.array(z.array(finite)) }).nullable(),
    matches: z.array(z.object({ p1: point, p2: point, distance: finite, inlier: z.boolean() })),
    timingsMs: z.record(z.string(), finite),
    cache: z.object({ image1: z.enum(["hit", "miss"]), image2: z.enum(["hit", "miss"]) }).optional(),
  })
  .openapi("MatchResponse");

export const ErrorResponseSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .openapi("Error");

// ---- Retrieval (issue 13) ----

export const ITEM_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_METADATA_BYTES = 2048;
export const MAX_BATCH_ITEMS = 1000;

export const ItemIdSchema = z.string().openapi({ description: "the caller's id: 1–128 characters of [A-Za-z0-9._:-]", example: "eiffel-001" });

export const SearchOptionsSchema = MatchOptionsSchema.extend({
  topK: z.number().int().min(1).max(100).optional().openapi({ description: "results returned (default 10)" }),
  shortlist: z.number().int().min(1).max(500).optional().openapi({ description: "candidates geometrically re-ranked (default 100)" }),
  multiAssign: z.number().int().min(1).max(16).optional()
    .openapi({ description: `visual words per query feature for the shortlist (default ${DEFAULT_MULTI_ASSIGN}; ASMK*'s is 5, which reads ~3× more postings, docs/retrieval.md)` }),
  maxDf: z.number().gt(0).max(1).optional()
    .openapi({ description: `stop words: query words whose posting list holds more than this fraction of the indexed items (and more than ${STOP_WORD_MIN_POSTINGS} entries) are not read (default ${DEFAULT_MAX_DF}; 1 reads every word)` }),
  postingsBudget: z.number().gt(0).optional()
    .openapi({ description: `the query's words are read rarest first while their posting entries add up to at most this many per indexed item (at least ${POSTINGS_BUDGET_MIN} entries; default ${Number.isFinite(DEFAULT_POSTINGS_BUDGET) ? DEFAULT_POSTINGS_BUDGET : "none"})` }),
  rerankPairs: z.enum(["exact", "shared-words"]).optional()
    .openapi({ description: `the re-rank's putative pairs: "exact" = nearest neighbours over all features as /v1/match; "shared-words" = mutual nearest neighbours only among features assigned to the same visual word (approximate, much cheaper; items indexed before it was stored get exact pairs) (default ${DEFAULT_RERANK_PAIRS})` }),
}).strict();

export type SearchOptionsInput = z.infer<typeof SearchOptionsSchema>;

export const IndexJsonBodySchema = z
  .object({
    id: ItemIdSchema,
    image: ImageInputSchema.optional(),
    features: z.unknown().optional().openapi({ description: "a feature set as /v1/verify takes it (instead of image)" }),
    options: ExtractOptionsSchema.optional(),
    metadata: z.unknown().optional().openapi({ description: "any JSON, at most 2 KiB serialised" }),
  })
  .strict();

export const SearchJsonBodySchema = z
  .object({
    image: ImageInputSchema.optional(),
    features: z.unknown().optional(),
    options: SearchOptionsSchema.optional(),
  })
  .strict();

export const BatchItemSchema = z.object({ id: ItemIdSchema, url: z.string().max(4096), metadata: z.unknown().optional() }).strict();

export const BatchJsonBodySchema = z
  .object({ items: z.array(BatchItemSchema).min(1).max(MAX_BATCH_ITEMS), options: ExtractOptionsSchema.optional() })
  .strict();

const transformSchema = z.object({ type: z.enum(["affine", "homography"]), matrix: z.array(z.array(finite)) }).nullable();

export const IndexResponseSchema = z.object({ id: z.string(), numFeatures: z.number().int() }).openapi("IndexResponse");

export const ItemResponseSchema = z
  .object({ id: z.string(), numFeatures: z.number().int(), numWords: z.number().int(), metadata: z.unknown(), indexedAt: z.string() })
  .openapi("IndexItem");

export const IndexStatsSchema = z
  .object({
    items: z.number().int(),
    features: z.number().int(),
    storageBytes: z.object({ features: z.number().int(), postings: z.number().int() }),
    segments: z.number().int(),
    codebook: z.object({ numWords: z.number().int(), dim: z.number().int(), sha256: z.string() }).nullable(),
  })
  .openapi("IndexStats");

export const SearchResponseSchema = z
  .object({
    results: z.array(z.object({ id: z.string(), score: finite, numInliers: z.number().int(), transform: transformSchema, metadata: z.unknown() })),
    numCandidates: z.number().int(),
    timingsMs: z.record(z.string(), finite),
  })
  .openapi("SearchResponse");

export const JobResponseSchema = z
  .object({
    job: z.string(),
    state: z.enum(["pending", "finished"]),
    total: z.number().int(),
    done: z.number().int(),
    pending: z.number().int(),
    failed: z.array(z.object({ id: z.string(), url: z.string(), code: z.string(), message: z.string() })),
  })
  .openapi("Job");
