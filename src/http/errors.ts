/**
 * The one error shape the API returns: `{"error":{"code","message"}}` with a stable
 * machine-readable `code` and the right status. Errors thrown below the HTTP layer carry a `code`
 * (ImageError, ModelUnavailableError, invalid options/features …); `toApiError` maps them here.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_options: 400,
  invalid_features: 400,
  image_decode_failed: 400,
  image_fetch_failed: 400,
  invalid_id: 400,
  duplicate_id: 400,
  unauthorized: 401,
  not_found: 404,
  item_not_found: 404,
  job_not_found: 404,
  method_not_allowed: 405,
  upload_timeout: 408,
  payload_too_large: 413,
  image_too_large: 413,
  metadata_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  model_unavailable: 503,
  overloaded: 503,
  index_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERROR_STATUS[code];
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

/** Codes of lower layers that have an API name of their own (src/delf's DelfError). */
const CODE_ALIASES: Record<string, ErrorCode> = { invalid_image: "image_decode_failed", invalid_model: "model_unavailable" };

/** Maps anything thrown to an ApiError; unknown errors become 500 internal_error (and are logged). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const raw = (error as { code?: unknown } | null)?.code;
  const code = typeof raw === "string" ? (CODE_ALIASES[raw] ?? raw) : undefined;
  if (code !== undefined && code in ERROR_STATUS && code !== "internal_error")
    return new ApiError(code as ErrorCode, (error as Error).message);
  console.error("unhandled error", error);
  return new ApiError("internal_error", "internal error");
}
