/** Runs a zod schema and turns failures into 400 ApiErrors that name the offending fields. */
import type { z } from "@hono/zod-openapi";
import { ApiError, type ErrorCode } from "./errors";

export function validate<S extends z.ZodTypeAny>(schema: S, value: unknown, code: ErrorCode, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 10).map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = issues[0];
  throw new ApiError(code, `invalid ${what}: ${first.path ? `${first.path}: ` : ""}${first.message}`, issues);
}

/** Parses JSON text; 400 invalid_json with the parser's message otherwise. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError("invalid_json", `${what} is not valid JSON: ${(error as Error).message}`);
  }
}
