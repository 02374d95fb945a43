/** Cross-cutting request guards for /v1: optional API key, optional rate limit, body size bound. */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors";
import { LIMITS } from "../service/limits";
import type { Bindings } from "./bindings";

type Env = { Bindings: Bindings };

/** Constant-time comparison, so the key cannot be guessed byte by byte from timings. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** With the API_KEY secret set, /v1 requires `Authorization: Bearer <key>`; without it, open. */
export const apiKeyAuth: MiddlewareHandler<Env> = async (c, next) => {
  const key = c.env?.API_KEY;
  if (key) {
    const header = c.req.header("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!sameSecret(token, key)) throw new ApiError("unauthorized", "missing or wrong API key (Authorization: Bearer <key>)");
  }
  await next();
};

/** Uses the Workers Rate Limiting binding when configured (keyed by client IP or API key). */
export const rateLimit: MiddlewareHandler<Env> = async (c, next) => {
  const limiter = c.env?.RATE_LIMITER;
  if (limiter) {
    const key = c.req.header("cf-connecting-ip") ?? "anonymous";
    const { success } = await limiter.limit({ key });
    if (!success) throw new ApiError("rate_limited", "too many requests; slow down");
  }
  await next();
};

const bufferedBodyLimit: MiddlewareHandler<Env> = bodyLimit({
  maxSize: LIMITS.maxBodyBytes,
  onError: () => {
    throw new ApiError("payload_too_large", `request body is larger than ${LIMITS.maxBodyBytes} bytes`);
  },
});

/** Routes whose multipart uploads are read as a stream (src/http/requests.ts, readImagesMultipart). */
const STREAMED_UPLOAD_PATHS = new Set(["/v1/match", "/v1/features"]);

/**
 * A /v1/match or /v1/features multipart upload is read as a stream and bounded while it is read;
 * hono's bodyLimit would read a body without Content-Length whole first. Every other body: maxBodyBytes.
 */
export const requestBodyLimit: MiddlewareHandler<Env> = async (c, next) => {
  const streamed =
    c.req.method === "POST" && STREAMED_UPLOAD_PATHS.has(c.req.path) && (c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data");
  return streamed ? next() : bufferedBodyLimit(c, next);
};
