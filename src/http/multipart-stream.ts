/**
 * A multipart/form-data body read as a stream, one part at a time, and each part's body as a stream
 * of pieces too: a caller can decode an image while its bytes arrive, so an upload never exists whole
 * (docs/images.md, "Streamed decoding"). The platform's `formData()` holds the whole body about twice.
 *
 * @mjackson/multipart-parser 0.10.1 gives a part only once its closing boundary has come (its body
 * collected), so the boundary scan here is our own (a few lines: find "\r\n--boundary" in the pieces,
 * hold back a tail that may be its start). The library still reads the boundary from the Content-Type
 * and parses each part's headers (MultipartPart: name, filename, isFile).
 */
import { getMultipartBoundary, MultipartPart } from "@mjackson/multipart-parser";
import { concatBytes } from "../bytes";
import { readAll, type ByteSource } from "../image/byte-source";
import { ApiError } from "./errors";

export interface StreamedPart {
  name: string;
  isFile: boolean;
  /** The part's body as its pieces arrive. Read it to its end, or not at all (the next part skips it). */
  body: ByteSource;
  /** The whole body in one buffer. */
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
}

export interface MultipartLimits {
  /** The whole body. Read before each chunk: a caller may lower it while it holds a part. */
  maxBodyBytes: number;
  /** Said in the 413 when the body is over maxBodyBytes (why this bound, how to send more). */
  bodyHint?: string;
  /** Any one part (file or text). */
  maxPartBytes: number;
  /** Longest wait for the next chunk of the body: a stalled client is refused (408 upload_timeout). */
  idleTimeoutMs: number;
  /** Longest time for the whole body, from the first read. */
  totalTimeoutMs: number;
}

const MAX_HEADER_BYTES = 8 * 1024;
const CRLF2 = new TextEncoder().encode("\r\n\r\n");
const EMPTY = new Uint8Array(0);

function malformed(what: string): ApiError {
  return new ApiError("invalid_request", `malformed multipart body: ${what}`);
}

/** Index of `needle` in `haystack` at or after `from`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= haystack.length - needle.length; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** The request body's chunks with the byte bounds, and the unparsed bytes in `pending`. */
class BodyReader {
  pending: Uint8Array = EMPTY;
  total = 0;
  ended = false;
  private readonly startedAt = Date.now();
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>, private readonly limits: MultipartLimits) {}

  /**
   * The next chunk within the deadlines. A streamed part is read while its decode holds the isolate's
   * extraction queue, so a client that stalls or trickles must not hold it for longer than these.
   */
  private async nextChunk(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const { idleTimeoutMs, totalTimeoutMs } = this.limits;
    const totalLeft = this.startedAt + totalTimeoutMs - Date.now();
    const wait = Math.min(idleTimeoutMs, totalLeft);
    const timedOut = () =>
      new ApiError(
        "upload_timeout",
        wait === idleTimeoutMs
          ? `no bytes of the request body arrived for ${idleTimeoutMs} ms`
          : `the request body did not finish within ${totalTimeoutMs} ms`,
      );
    if (wait <= 0) throw timedOut();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(timedOut());
        void this.cancel(); // the client is told to stop; its pending read ends
      }, wait);
    });
    try {
      return await Promise.race([this.reader.read(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Appends the next chunk to `pending`; false at the end of the body. */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.nextChunk();
    } catch (error) {
      throw error instanceof ApiError ? error : malformed(`unreadable: ${(error as Error).message}`);
    }
    if (result.done) {
      this.ended = true;
      return false;
    }
    this.total += result.value.length;
    if (this.total > this.limits.maxBodyBytes)
      throw new ApiError("payload_too_large", `request body is larger than ${this.limits.maxBodyBytes} bytes${this.limits.bodyHint ?? ""}`);
    this.pending = this.pending.length === 0 ? result.value : concatBytes([this.pending, result.value]);
    return true;
  }

  /** Reads until `pending` holds at least `n` bytes; false if the body ends first. */
  async atLeast(n: number): Promise<boolean> {
    while (this.pending.length < n) if (!(await this.more())) return false;
    return true;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  take(n: number): Uint8Array {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }
}

/**
 * The parts of a multipart request in body order. The body is read only as far as the caller reads:
 * a part's pieces as it asks for them; after the last part the closing boundary must have come
 * (a truncated body is a 400).
 */
export async function* streamMultipart(request: Request, limits: MultipartLimits): AsyncGenerator<StreamedPart, void, undefined> {
  const boundary = getMultipartBoundary(request.headers.get("content-type") ?? "");
  if (!boundary) throw malformed("Content-Type has no boundary");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limits.maxBodyBytes) throw new ApiError("payload_too_large", `request body is larger than ${limits.maxBodyBytes} bytes`);
  if (!request.body) throw malformed("the body is empty");
  const opening = new TextEncoder().encode(`--${boundary}`);
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
  const body = new BodyReader(request.body.getReader(), limits);
  let finished = false;
  try {
    if (!(await body.atLeast(opening.length))) throw malformed("it ends before the closing boundary");
    if (indexOf(body.pending.subarray(0, opening.length), opening) !== 0) throw malformed("Invalid multipart stream: missing initial boundary");
    body.take(opening.length);
    for (;;) {
      // After a boundary: "--" closes the body, anything else (CRLF) starts a part.
      if (!(await body.atLeast(2))) throw malformed("it ends before the closing boundary");
      if (body.pending[0] === 45 && body.pending[1] === 45) {
        finished = true;
        break;
      }
      body.take(2);
      let headerEnd: number;
      for (;;) {
        headerEnd = indexOf(body.pending, CRLF2);
        if (headerEnd !== -1) break;
        if (body.pending.length > MAX_HEADER_BYTES) throw malformed(`a part's headers are larger than ${MAX_HEADER_BYTES} bytes`);
        if (!(await body.more())) throw malformed("it ends before the closing boundary");
      }
      if (headerEnd > MAX_HEADER_BYTES) throw malformed(`a part's headers are larger than ${MAX_HEADER_BYTES} bytes`);
      const header = new MultipartPart(body.take(headerEnd).slice(), []);
      body.take(CRLF2.length);
      let name: string;
      let isFile: boolean;
      try {
        name = header.name ?? "";
        isFile = header.isFile;
      } catch (error) {
        throw malformed(`a part's headers are unreadable: ${(error as Error).message}`);
      }
      let partBytes = 0;
      let partDone = false;
      /** The next piece of this part's body, or null after its closing delimiter. */
      const nextPiece = async (): Promise<Uint8Array | null> => {
        while (!partDone) {
          const at = indexOf(body.pending, delimiter);
          // Everything before the delimiter, or all but a tail that may be the delimiter's start.
          const safe = at !== -1 ? at : Math.max(0, body.pending.length - delimiter.length + 1);
          if (at !== -1) partDone = true;
          if (safe > 0 || partDone) {
            partBytes += safe;
            if (partBytes > limits.maxPartBytes) throw new ApiError("payload_too_large", `a multipart part is larger than ${limits.maxPartBytes} bytes`);
            const piece = body.take(safe); // a view: `pending` is replaced, never written to

            if (partDone) body.take(delimiter.length);
            if (piece.length > 0) return piece;
            continue;
          }
          if (!(await body.more())) throw malformed("it ends before the closing boundary");
        }
        return null;
      };
      const part: ByteSource = { read: nextPiece };
      yield {
        name,
        isFile,
        body: part,
        bytes: () => readAll(part),
        text: async () => {
          try {
            return new TextDecoder("utf-8", { fatal: true }).decode(await readAll(part));
          } catch (error) {
            if (error instanceof ApiError) throw error;
            throw new ApiError("invalid_request", `multipart field "${name}" is not UTF-8 text`);
          }
        },
      };
      // Whatever the caller left of this part is skipped (still within the part bound).
      while (await nextPiece());
    }
  } finally {
    // A refused or abandoned body is not read further. Bytes after the closing boundary (an epilogue)
    // are allowed and not read.
    if (!finished || body.total < declared) await body.cancel();
  }
}
