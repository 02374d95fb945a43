/**
 * Reads the bodies of /v1/match, /v1/features and /v1/verify: multipart/form-data or JSON,
 * validated with the shared schemas. Anything malformed is a 4xx ApiError here, before any work.
 */
import type { HonoRequest } from "hono";
import { ApiError } from "./errors";
import { parseJson, validate } from "./validate";
import { bodyKind, readForm, readJson } from "./request-body";
import { checkImageUrl, decodeBase64Image, multipartFile, multipartText, streamImageUrl } from "./image-input";
import { readAll, type ByteSource } from "../image/byte-source";
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

/** A URL is streamed into the decoder; base64 is whole already. */
async function imageInput(input: { url: string } | { base64: string }, field: string): Promise<Uint8Array | ByteSource> {
  return "url" in input ? streamImageUrl(input.url, field) : decodeBase64Image(input.base64, field);
}

/** Separates option errors (400 invalid_options) from structural ones (400 invalid_request). */
function validateBody<S extends z.ZodTypeAny>(schema: S, body: unknown, optionsSchema: z.ZodTypeAny): z.infer<S> {
  const options = (body as { options?: unknown } | null)?.options;
  if (options !== undefined) validate(optionsSchema, options, "invalid_options", "options");
  return validate(schema, body, "invalid_request", "request body");
}

/**
 * An image, fetched when first asked for: a whole buffer (base64, or an upload part that came before
 * the options) or a stream of pieces (a URL body, an upload part) that the decoder reads as it arrives.
 */
export type ImageSource = () => Promise<Uint8Array | ByteSource>;

/**
 * A multipart body with image fields and an "options" field, read as a stream in body order (the
 * /v1/match and /v1/features uploads). With the options part first, each image part is handed to the
 * decoder as a stream when the route asks for it: image 1 is decoded while it arrives, before image
 * 2's bytes are read, so an encoded file never exists whole and the body may carry full-size images
 * (`maxUploadBytes`). An image that comes before the options, or before the image the route
 * asks for, must be held whole (its fit is not known yet, or its turn has not come): from then on the
 * body is bounded by LIMITS.maxBodyBytes, the bound of a body held whole (docs/images.md, "Uploads").
 */
async function readImagesMultipart<F extends string, S extends z.ZodTypeAny>(
  req: HonoRequest,
  imageFields: readonly F[],
  optionsSchema: S,
  maxUploadBytes: number,
): Promise<{ images: Record<F, ImageSource>; options: z.infer<S> }> {
  const limits: MultipartLimits = {
    maxBodyBytes: maxUploadBytes,
    maxPartBytes: LIMITS.maxImageBytes,
    idleTimeoutMs: LIMITS.uploadIdleTimeoutMs,
    totalTimeoutMs: LIMITS.uploadTimeoutMs,
  };
  const parts = streamMultipart(req.raw, limits);
  const lastImage = imageFields[imageFields.length - 1];
  const held = new Map<F, Uint8Array>();
  let streaming: { field: F; body: ByteSource } | null = null;
  const seen = new Set<string>();
  let optionsText: string | undefined;
  let ended = false;
  const heldHint = ` with an image before the "options" field; send "options" first to upload up to ${maxUploadBytes} bytes`;
  const boundLimits = () => {
    if (held.size > 0) {
      limits.maxBodyBytes = LIMITS.maxBodyBytes;
      limits.bodyHint = heldHint;
    } else {
      limits.maxBodyBytes = maxUploadBytes;
      limits.bodyHint = undefined;
    }
  };
  /**
   * Reads up to the next image or options part (other fields are skipped, as formData() callers
   * did). The `wanted` image is left unread, as a stream; any other image is held whole.
   */
  const readPart = async (wanted?: F): Promise<F | "options" | null> => {
    for (;;) {
      const next = await parts.next();
      if (next.done) {
        ended = true;
        return null;
      }
      const part = next.value;
      if (part.name !== "options" && !imageFields.includes(part.name as F)) continue;
      const field = part.name as F | "options";
      if (seen.has(field)) throw new ApiError("invalid_request", `multipart field "${field}" appears more than once`);
      seen.add(field);
      if (field === "options") {
        // A file here (curl -F options=@opts.json) would otherwise be ignored silently: the request would run on defaults.
        if (part.isFile) throw new ApiError("invalid_request", `multipart field "options" must be text, not a file`);
        optionsText = await part.text();
        return field;
      }
      if (!part.isFile) throw new ApiError("invalid_request", `multipart field "${field}" must be a file, not text`);
      if (field === wanted) streaming = { field, body: part.body };
      else {
        // Held whole: bounded as it is read, since the rest of the body may already be buffered.
        const heldBytes = [...held.values()].reduce((n, bytes) => n + bytes.length, 0);
        const tooLarge = () => new ApiError("payload_too_large", `request body is larger than ${LIMITS.maxBodyBytes} bytes${heldHint}`);
        held.set(field, await readAll(part.body, LIMITS.maxBodyBytes - heldBytes, tooLarge));
        boundLimits();
      }
      return field;
    }
  };
  // Up to the options (or the end): what comes before them is held whole.
  for (;;) {
    const field = await readPart();
    if (field === null || field === "options") break;
  }
  const options = optionsFromField(optionsSchema, optionsText);
  /** After the last image asked for: the rest of the body, for duplicates and the closing boundary. */
  const readRest = async () => {
    while (!ended) await readPart();
  };
  const source = (field: F): ImageSource => async () => {
    while (!held.has(field) && streaming?.field !== field && !ended) await readPart(field);
    const bytes = held.get(field);
    if (bytes) {
      held.delete(field);
      boundLimits(); // nothing undecoded may be held any more: the full bound again
      if (field === lastImage) await readRest();
      return bytes;
    }
    const body = streaming?.field === field ? streaming.body : null;
    if (!body) throw new ApiError("invalid_request", `multipart field "${field}" (a file) is missing`);
    streaming = null;
    if (field !== lastImage) return body;
    return {
      read: async () => {
        const piece = await body.read();
        if (piece === null) await readRest();
        return piece;
      },
    };
  };
  const images = Object.fromEntries(imageFields.map((field) => [field, source(field)])) as Record<F, ImageSource>;
  return { images, options };
}

/**
 * The two images come as sources: the route loads and decodes one image at a time, so two encoded
 * files never exist together, and a URL or an upload part is decoded while it arrives
 * (docs/images.md, "Streamed decoding"). URLs are validated up front.
 */
export async function readMatchRequest(req: HonoRequest): Promise<{ image1: ImageSource; image2: ImageSource; options: MatchOptionsInput }> {
  if (bodyKind(req, ["multipart", "json"]) === "multipart") {
    const { images, options } = await readImagesMultipart(req, ["image1", "image2"] as const, MatchOptionsSchema, LIMITS.maxMatchUploadBytes);
    return { ...images, options };
  }
  const body = validateBody(MatchJsonBodySchema, await readJson(req), MatchOptionsSchema);
  for (const [input, field] of [[body.image1, "image1"], [body.image2, "image2"]] as const) if ("url" in input) checkImageUrl(input.url, field);
  const load = (input: { url: string } | { base64: string }, field: string): ImageSource => () => imageInput(input, field);
  return { image1: load(body.image1, "image1"), image2: load(body.image2, "image2"), options: body.options ?? {} };
}

export async function readFeaturesRequest(req: HonoRequest): Promise<{ image: Uint8Array | ByteSource; options: ExtractOptionsInput }> {
  if (bodyKind(req, ["multipart", "json"]) === "multipart") {
    const { images, options } = await readImagesMultipart(req, ["image"] as const, ExtractOptionsSchema, LIMITS.maxFeaturesUploadBytes);
    return { image: await images.image(), options };
  }
  const body = validateBody(FeaturesJsonBodySchema, await readJson(req), ExtractOptionsSchema);
  return { image: await imageInput(body.image, "image"), options: body.options ?? {} };
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
