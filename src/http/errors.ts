/**
 * The one error type the HTTP layer renders: a stable machine-readable `code`, an HTTP status and
 * a human message. Every failure a client can cause maps to one of these codes.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorCode =
  | "invalid_options"
  | "invalid_json"
  | "invalid_request"
  | "image_decode_failed"
  | "payload_too_large"
  | "image_too_large"
  | "unsupported_media_type"
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "rate_limited"
  | "model_unavailable"
  | "internal_error";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorBody(error: ApiError): ErrorBody {
  return {
    error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) },
  };
}
