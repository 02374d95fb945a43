/**
 * Reads the bodies of /v1/match, /v1/features and /v1/verify: multipart/form-data or JSON,
 * validated with the shared schemas. Anything malformed is a 4xx ApiError here, before any work.
 */
import type { HonoRequest } from "hono";
import { ApiError } from "./errors";
import { parseJson, validate } from "./validate";
import { bodyKind, readForm, readJson } from "./request-body";
import { checkImageUrl, decodeBase64Image, fetchImageUrl, multipartFile, multipartText } from "./image-input";
import {
  ExtractOptionsSchema,
  FeaturesJsonBodySchema,
  MatchJsonBodySchema,
  MatchOptionsSchema,
  VerifyOptionsSchema,
  type ExtractOptionsInput,
  type MatchOptionsInput,
  type VerifyOptionsInput,
} from "./schemas";
import { FeatureSetInputSchema, featureSetFromJson, type FeatureSet } from "../features/feature-set";
import { decodeDelfFeatures } from "../features/delf-protobuf";
import { invertAffine } from "../features/affine";
import { LIMITS } from "../service/limits";
import { streamMultipart, type MultipartLimits } from "./multipart-stream";
import type { z } from "@hono/zod-openapi";

function optionsFromField<S extends z.ZodTypeAny>(schema: S, text: string | undefined): z.infer<S> {
  if (text === undefined || text.trim() === "") return validate(schema, {}, "invalid_options", "options");
  return validate(schema, parseJson(text, 'multipart field "options"'), "invalid_options", "options");
}

async function imageBytes(input: { url: string } | { base64: string }, field: string): Promise<Uint8Array> {
  return "url" in input ? fetchImageUrl(input.url, field) : decodeBase64Image(input.base64, field);
}

/** Separates option errors (400 invalid_options) from structural ones (400 invalid_request). */
function validateBody<S extends z.ZodTypeAny>(schema: S, body: unknown, optionsSchema: z.ZodTypeAny): z.infer<S> {
  const options = (body as { options?: unknown } | null)?.options;
  if (options !== undefined) validate(optionsSchema, options, "invalid_options", "options");
  return validate(schema, body, "invalid_request", "request body");
}

/** An image's bytes, fetched when first asked for (a URL input is downloaded only then). */
export type ImageSource = () => Promise<Uint8Array>;

type MatchField = "image1" | "image2" | "options";
const MATCH_FIELDS: readonly string[] = ["image1", "image2", "options"];

/**
 * /v1/match's multipart body, read as a stream in body order. With the options part first, image 1
 * is decoded before image 2's bytes are read, so one encoded file exists at a time and the body may
 * carry two full-size images (LIMITS.maxMatchUploadBytes). An image that comes before the options
 * must be held undecoded (its fit is not known yet): from then on the body is bounded by
 * LIMITS.maxBodyBytes, the bound of a body held whole (docs/images.md, "Uploads").
 */
async function readMatchMultipart(req: HonoRequest): Promise<{ image1: ImageSource; image2: ImageSource; options: MatchOptionsInput }> {
  const limits: MultipartLimits = { maxBodyBytes: LIMITS.maxMatchUploadBytes, maxPartBytes: LIMITS.maxImageBytes };
  const parts = streamMultipart(req.raw, limits);
  const held: Partial<Record<"image1" | "image2", Uint8Array>> = {};
  const seen = new Set<string>();
  let optionsText: string | undefined;
  let ended = false;
  /** Reads up to the next image1/image2/options part (other fields are skipped, as formData() callers did). */
  const readPart = async (): Promise<MatchField | null> => {
    for (;;) {
      const next = await parts.next();
      if (next.done) {
        ended = true;
        return null;
      }
      const part = next.value;
      if (!MATCH_FIELDS.includes(part.name)) continue;
      const field = part.name as MatchField;
      if (seen.has(field)) throw new ApiError("invalid_request", `multipart field "${field}" appears more than once`);
      seen.add(field);
      if (field === "options") {
        // A file here (curl -F options=@opts.json) would otherwise be ignored silently: the request would run on defaults.
        if (part.isFile) throw new ApiError("invalid_request", `multipart field "options" must be text, not a file`);
        optionsText = part.text();
        return field;
      }
      if (!part.isFile) throw new ApiError("invalid_request", `multipart field "${field}" must be a file, not text`);
      held[field] = part.bytes();
      return field;
    }
  };
  // Up to the options (or the end): what is held before them stays undecoded.
  for (;;) {
    if (held.image1 || held.image2) {
      limits.maxBodyBytes = LIMITS.maxBodyBytes;
      limits.bodyHint = ` with an image before the "options" field; send "options" first to upload up to ${LIMITS.maxMatchUploadBytes} bytes`;
    }
    const field = await readPart();
    if (field === null || field === "options") break;
  }
  const options = optionsFromField(MatchOptionsSchema, optionsText);
  const source = (field: "image1" | "image2"): ImageSource => async () => {
    while (!held[field] && !ended) await readPart();
    const bytes = held[field];
    delete held[field];
    // Nothing undecoded is held any more (the route decodes each image before asking for the next).
    if (!held.image1 && !held.image2) {
      limits.maxBodyBytes = LIMITS.maxMatchUploadBytes;
      limits.bodyHint = undefined;
    }
    if (!bytes) throw new ApiError("invalid_request", `multipart field "${field}" (a file) is missing`);
    if (field === "image2") while (!ended) await readPart(); // the rest: duplicates, the closing boundary
    return bytes;
  };
  return { image1: source("image1"), image2: source("image2"), options };
}

/**
 * The two images come as sources, not bytes: the route loads and decodes one image at a time, so
 * two encoded files never exist together (docs/BENCHMARKS.md, "Large photos"). URLs are validated up front.
 */
export async function readMatchRequest(req: HonoRequest): Promise<{ image1: ImageSource; image2: ImageSource; options: MatchOptionsInput }> {
  if (bodyKind(req, ["multipart", "json"]) === "multipart") return readMatchMultipart(req);
  const body = validateBody(MatchJsonBodySchema, await readJson(req), MatchOptionsSchema);
  for (const [input, field] of [[body.image1, "image1"], [body.image2, "image2"]] as const) if ("url" in input) checkImageUrl(input.url, field);
  return { image1: () => imageBytes(body.image1, "image1"), image2: () => imageBytes(body.image2, "image2"), options: body.options ?? {} };
}

export async function readFeaturesRequest(req: HonoRequest): Promise<{ image: Uint8Array; options: ExtractOptionsInput }> {
  if (bodyKind(req, ["multipart", "json"]) === "multipart") {
    const form = await readForm(req);
    const options = optionsFromField(ExtractOptionsSchema, multipartText(form, "options"));
    return { image: await multipartFile(form, "image"), options };
  }
  const body = validateBody(FeaturesJsonBodySchema, await readJson(req), ExtractOptionsSchema);
  return { image: await imageBytes(body.image, "image"), options: body.options ?? {} };
}

const featureLimits = { maxFeatures: LIMITS.maxVerifyFeatures, maxDim: LIMITS.maxDescriptorDim };

function featureSetFromDelf(bytes: Uint8Array): FeatureSet {
  const features = decodeDelfFeatures(bytes, LIMITS.maxVerifyFeatures);
  if (features.dim > LIMITS.maxDescriptorDim) throw new ApiError("invalid_features", `descriptor length must be at most ${LIMITS.maxDescriptorDim}`);
  return { features, image: null, processed: null, model: null };
}

/** The transform is reported between ORIGINAL images, so each set's map to them must be invertible. */
function checkOriginalMap(set: FeatureSet, field: string): FeatureSet {
  const map = set.processed?.toOriginal;
  if (!map) return set;
  let finite = false;
  try {
    finite = invertAffine(map).flat().every(Number.isFinite);
  } catch {
    finite = false;
  }
  if (!finite) throw new ApiError("invalid_features", `${field}.processed.toOriginal is not an invertible affine map`);
  return set;
}

export async function readVerifyRequest(req: HonoRequest): Promise<{ set1: FeatureSet; set2: FeatureSet; options: VerifyOptionsInput }> {
  if (bodyKind(req, ["multipart", "json"]) === "multipart") {
    const form = await readForm(req);
    const options = optionsFromField(VerifyOptionsSchema, multipartText(form, "options"));
    const [b1, b2] = [await multipartFile(form, "features1"), await multipartFile(form, "features2")];
    return { set1: featureSetFromDelf(b1), set2: featureSetFromDelf(b2), options };
  }
  const body = await readJson(req);
  const raw = body as { features1?: unknown; features2?: unknown; options?: unknown } | null;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new ApiError("invalid_request", "request body must be a JSON object {features1, features2, options?}");
  const extra = Object.keys(raw).filter((k) => !["features1", "features2", "options"].includes(k));
  if (extra.length) throw new ApiError("invalid_request", `unknown field(s): ${extra.join(", ")}`);
  const options = validate(VerifyOptionsSchema, raw.options === undefined ? {} : raw.options, "invalid_options", "options");
  const f1 = validate(FeatureSetInputSchema, raw.features1, "invalid_features", "features1");
  const f2 = validate(FeatureSetInputSchema, raw.features2, "invalid_features", "features2");
  return {
    set1: checkOriginalMap(featureSetFromJson(f1, featureLimits), "features1"),
    set2: checkOriginalMap(featureSetFromJson(f2, featureLimits), "features2"),
    options,
  };
}
