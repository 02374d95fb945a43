/**
 * Reads the bodies of the retrieval endpoints (/v1/index, /v1/search, /v1/index/batch): JSON or
 * multipart, validated before anything is stored. Ids, metadata and batch items are checked here.
 */
import type { HonoRequest } from "hono";
import { ApiError } from "./errors";
import { parseJson, validate } from "./validate";
import { bodyKind, readForm, readJson } from "./request-body";
import { decodeBase64Image, fetchImageUrl, multipartFile, multipartText } from "./image-input";
import {
  BatchJsonBodySchema, ExtractOptionsSchema, IndexJsonBodySchema, ITEM_ID_PATTERN, MAX_BATCH_ITEMS, MAX_METADATA_BYTES,
  SearchJsonBodySchema, SearchOptionsSchema, type ExtractOptionsInput, type SearchOptionsInput,
} from "./schemas";
import { FeatureSetInputSchema, featureSetFromJson, type FeatureSet } from "../features/feature-set";
import { LIMITS } from "../service/limits";

/** What to index or search with: an encoded image (to extract) or a feature set. */
export type QueryInput = { kind: "image"; bytes: Uint8Array; options: ExtractOptionsInput } | { kind: "features"; set: FeatureSet };

const featureLimits = { maxFeatures: LIMITS.maxVerifyFeatures, maxDim: LIMITS.maxDescriptorDim };

export function checkItemId(id: unknown, field = "id"): string {
  if (typeof id !== "string" || !ITEM_ID_PATTERN.test(id))
    throw new ApiError("invalid_id", `${field} must be 1–128 characters of [A-Za-z0-9._:-]`);
  return id;
}

/** Metadata as stored JSON text (null when absent); at most 2 KiB serialised. */
export function metadataText(value: unknown, field = "metadata"): string | null {
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(value);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_METADATA_BYTES) throw new ApiError("metadata_too_large", `${field} is ${bytes} bytes of JSON; at most ${MAX_METADATA_BYTES}`);
  return text;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new ApiError("invalid_request", "request body must be a JSON object");
  return body as Record<string, unknown>;
}

async function imageOrFeatures(body: { image?: { url: string } | { base64: string }; features?: unknown }, options: ExtractOptionsInput): Promise<QueryInput> {
  if ((body.image === undefined) === (body.features === undefined)) throw new ApiError("invalid_request", "give exactly one of image or features");
  if (body.features !== undefined) {
    const input = validate(FeatureSetInputSchema, body.features, "invalid_features", "features");
    return { kind: "features", set: featureSetFromJson(input, featureLimits) };
  }
  const image = body.image!;
  const bytes = "url" in image ? await fetchImageUrl(image.url, "image") : decodeBase64Image(image.base64, "image");
  return { kind: "image", bytes, options };
}

function extractPart(options: SearchOptionsInput): ExtractOptionsInput {
  const { scales, scoreThreshold, maxFeatures, fit, dropLargeScales } = options;
  return Object.fromEntries(Object.entries({ scales, scoreThreshold, maxFeatures, fit, dropLargeScales }).filter(([, v]) => v !== undefined));
}

export async function readIndexRequest(req: HonoRequest): Promise<{ id: string; input: QueryInput; metadata: string | null }> {
  if (bodyKind(req, ["json", "multipart"]) === "multipart") {
    const form = await readForm(req);
    const id = checkItemId(multipartText(form, "id"));
    const metaText = multipartText(form, "metadata");
    const metadata = metaText === undefined ? null : metadataText(parseJson(metaText, 'multipart field "metadata"'));
    const optText = multipartText(form, "options");
    const options = validate(ExtractOptionsSchema, optText ? parseJson(optText, 'multipart field "options"') : {}, "invalid_options", "options");
    return { id, metadata, input: { kind: "image", bytes: await multipartFile(form, "image"), options } };
  }
  const raw = objectBody(await readJson(req));
  const id = checkItemId(raw.id);
  const metadata = metadataText(raw.metadata);
  if (raw.options !== undefined) validate(ExtractOptionsSchema, raw.options, "invalid_options", "options");
  const body = validate(IndexJsonBodySchema, raw, "invalid_request", "request body");
  return { id, metadata, input: await imageOrFeatures(body, body.options ?? {}) };
}

export async function readSearchRequest(req: HonoRequest): Promise<{ input: QueryInput; options: SearchOptionsInput }> {
  if (bodyKind(req, ["json", "multipart"]) === "multipart") {
    const form = await readForm(req);
    const optText = multipartText(form, "options");
    const options = validate(SearchOptionsSchema, optText ? parseJson(optText, 'multipart field "options"') : {}, "invalid_options", "options");
    return { options, input: { kind: "image", bytes: await multipartFile(form, "image"), options: extractPart(options) } };
  }
  const raw = objectBody(await readJson(req));
  const options = validate(SearchOptionsSchema, raw.options ?? {}, "invalid_options", "options");
  const body = validate(SearchJsonBodySchema, raw, "invalid_request", "request body");
  return { options, input: await imageOrFeatures(body, extractPart(options)) };
}

export interface BatchRequest {
  items: Array<{ id: string; url: string; metadata: string | null }>;
  options: ExtractOptionsInput;
}

export async function readBatchRequest(req: HonoRequest): Promise<BatchRequest> {
  bodyKind(req, ["json"]);
  const raw = objectBody(await readJson(req));
  if (Array.isArray(raw.items) && raw.items.length > MAX_BATCH_ITEMS)
    throw new ApiError("payload_too_large", `${raw.items.length} items; at most ${MAX_BATCH_ITEMS} per batch`);
  if (Array.isArray(raw.items))
    raw.items.forEach((item, i) => checkItemId((item as { id?: unknown } | null)?.id, `items[${i}].id`));
  if (raw.options !== undefined) validate(ExtractOptionsSchema, raw.options, "invalid_options", "options");
  const body = validate(BatchJsonBodySchema, raw, "invalid_request", "request body");
  const seen = new Set<string>();
  const items = body.items.map((item, i) => {
    if (seen.has(item.id)) throw new ApiError("duplicate_id", `items[${i}].id "${item.id}" appears more than once in the batch`);
    seen.add(item.id);
    let url: URL;
    try {
      url = new URL(item.url);
    } catch {
      throw new ApiError("invalid_request", `items[${i}].url is not a valid URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new ApiError("invalid_request", `items[${i}].url must be http or https`);
    return { id: item.id, url: item.url, metadata: metadataText(item.metadata, `items[${i}].metadata`) };
  });
  return { items, options: body.options ?? {} };
}
