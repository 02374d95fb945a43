/**
 * A multipart/form-data body read as a stream, one part at a time, so a caller can decode image 1
 * before image 2's bytes have been read (docs/BENCHMARKS.md, "Large photos"). The platform's
 * `formData()` holds the whole body about twice; here only the part being read exists, once.
 * Parsing is @mjackson/multipart-parser's; this file adds the byte bounds and the 4xx errors.
 */
import { MaxFileSizeExceededError, MaxHeaderSizeExceededError, MultipartParseError, MultipartParser, getMultipartBoundary, type MultipartPart } from "@mjackson/multipart-parser";
import { ApiError } from "./errors";

export interface StreamedPart {
  name: string;
  isFile: boolean;
  /** The part's bytes in one buffer (made once; the parser's chunks are let go while copying). */
  bytes(): Uint8Array;
  text(): string;
}

export interface MultipartLimits {
  /** The whole body. Read before each chunk: a caller may lower it while it holds a part. */
  maxBodyBytes: number;
  /** Said in the 413 when the body is over maxBodyBytes (why this bound, how to send more). */
  bodyHint?: string;
  /** Any one part (file or text). */
  maxPartBytes: number;
}

function toStreamedPart(part: MultipartPart): StreamedPart {
  return {
    name: part.name ?? "",
    isFile: part.isFile,
    bytes: () => takeBytes(part.content),
    text: () => {
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(takeBytes(part.content));
      } catch {
        throw new ApiError("invalid_request", `multipart field "${part.name}" is not UTF-8 text`);
      }
    },
  };
}

/** Joins the chunks into one buffer, dropping each chunk once copied, so the part never exists twice. */
function takeBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], at);
    at += chunks[i].length;
    chunks[i] = EMPTY;
  }
  chunks.length = 0;
  return out;
}
const EMPTY = new Uint8Array(0);

function parseError(error: unknown, limits: MultipartLimits): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof MaxFileSizeExceededError) return new ApiError("payload_too_large", `a multipart part is larger than ${limits.maxPartBytes} bytes`);
  if (error instanceof MaxHeaderSizeExceededError || error instanceof MultipartParseError)
    return new ApiError("invalid_request", `malformed multipart body: ${error.message}`);
  return new ApiError("invalid_request", `unreadable multipart body: ${(error as Error).message}`);
}

function isFinished(parser: MultipartParser): boolean {
  try {
    parser.finish();
    return true;
  } catch {
    return false;
  }
}

/**
 * The parts of a multipart request in body order. The stream is read only as far as the part asked
 * for; after the last part the closing boundary must have come (a truncated body is a 400).
 */
export async function* streamMultipart(request: Request, limits: MultipartLimits): AsyncGenerator<StreamedPart, void, undefined> {
  const boundary = getMultipartBoundary(request.headers.get("content-type") ?? "");
  if (!boundary) throw new ApiError("invalid_request", "malformed multipart body: Content-Type has no boundary");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limits.maxBodyBytes) throw new ApiError("payload_too_large", `request body is larger than ${limits.maxBodyBytes} bytes`);
  if (!request.body) throw new ApiError("invalid_request", "malformed multipart body: the body is empty");
  const parser = new MultipartParser(boundary, { maxFileSize: limits.maxPartBytes });
  const reader = request.body.getReader();
  let total = 0;
  let finished = false;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw parseError(error, limits);
      }
      if (result.done) break;
      total += result.value.length;
      if (total > limits.maxBodyBytes) throw new ApiError("payload_too_large", `request body is larger than ${limits.maxBodyBytes} bytes${limits.bodyHint ?? ""}`);
      // Bytes after the closing boundary (an epilogue, a trailing CRLF) are allowed and ignored.
      if (finished || result.value.length === 0) continue;
      const parts: MultipartPart[] = [];
      try {
        for (const part of parser.write(result.value)) parts.push(part);
      } catch (error) {
        throw parseError(error, limits);
      }
      finished = isFinished(parser);
      for (const part of parts) yield toStreamedPart(part);
    }
    if (!finished) throw new ApiError("invalid_request", "malformed multipart body: it ends before the closing boundary");
  } finally {
    // A refused or abandoned body is not read further.
    if (!finished || total < declared) await reader.cancel().catch(() => undefined);
  }
}
