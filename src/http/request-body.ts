/**
 * Reading a request body as JSON or multipart, shared by every route's request reader: the
 * Content-Type decides, and an unreadable or malformed body is a 4xx ApiError.
 */
import type { HonoRequest } from "hono";
import { ApiError } from "./errors";
import { parseJson } from "./validate";

export type BodyKind = "multipart" | "json";

export function bodyKind(req: HonoRequest, allowed: BodyKind[]): BodyKind {
  const type = (req.header("content-type") ?? "").toLowerCase();
  if (allowed.includes("multipart") && type.startsWith("multipart/form-data")) return "multipart";
  if (allowed.includes("json") && (type.startsWith("application/json") || type.endsWith("+json"))) return "json";
  const names = allowed.map((k) => (k === "json" ? "application/json" : "multipart/form-data")).join(" or ");
  throw new ApiError("unsupported_media_type", `Content-Type must be ${names}${type ? `, not ${type}` : ""}`);
}

export async function readForm(req: HonoRequest): Promise<FormData> {
  try {
    return await req.raw.formData();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError("invalid_request", `malformed multipart body: ${(error as Error).message}`);
  }
}

export async function readJson(req: HonoRequest): Promise<unknown> {
  let text: string;
  try {
    text = await req.text();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError("invalid_request", `unreadable body: ${(error as Error).message}`);
  }
  return parseJson(text, "request body");
}
