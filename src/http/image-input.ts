/**
 * Gets an image's bytes from what a client sent: a multipart file, base64 text, or an http(s) URL
 * (bounded in time and size, redirects followed by hand so none can switch to another scheme).
 */
import { ApiError } from "./errors";
import { LIMITS } from "../service/limits";
import { concatBytes } from "../bytes";
import type { ByteSource } from "../image/byte-source";

export function decodeBase64Image(text: string, field: string): Uint8Array {
  const clean = text.replace(/^data:[^,]*;base64,/, "").replace(/\s+/g, "");
  if (clean.length > Math.ceil((LIMITS.maxHeldImageBytes * 4) / 3) + 4)
    throw new ApiError("payload_too_large", `${field} is larger than ${LIMITS.maxHeldImageBytes} bytes (base64 is held whole; send a URL or an upload for more)`);
  if (clean.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1)
    throw new ApiError("invalid_request", `${field}.base64 is not valid base64`);
  let binary: string;
  try {
    binary = atob(clean);
  } catch {
    throw new ApiError("invalid_request", `${field}.base64 is not valid base64`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** 400 invalid_request unless `text` is an http(s) URL without credentials. */
export function checkImageUrl(text: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ApiError("invalid_request", `${field}.url is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ApiError("invalid_request", `${field}.url must be http or https, not ${url.protocol.replace(":", "")}`);
  if (url.username || url.password) throw new ApiError("invalid_request", `${field}.url must not carry credentials`);
  return url;
}

/**
 * Reads a body stream up to `maxBytes`; 413 beyond that. With a declared length the bytes go straight
 * into one buffer of that size, so a large download exists once (not as chunks plus their join).
 */
async function readLimited(body: ReadableStream<Uint8Array>, maxBytes: number, field: string, declared: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const target = declared > 0 ? new Uint8Array(declared) : undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  let inTarget = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.length > maxBytes) {
      await reader.cancel();
      throw new ApiError("payload_too_large", `${field} is larger than ${maxBytes} bytes`);
    }
    if (target && chunks.length === 0 && total + value.length <= target.length) {
      target.set(value, total);
      inTarget += value.length;
    } else chunks.push(value);
    total += value.length;
  }
  if (!target) return concatBytes(chunks);
  if (chunks.length === 0) return inTarget === target.length ? target : target.subarray(0, inTarget);
  // More than declared (the server lied): join what was read.
  return concatBytes([target.subarray(0, inTarget), ...chunks]);
}

/** A response of an image URL (redirects followed by hand), its body not read yet. */
interface OpenedUrl {
  body: ReadableStream<Uint8Array>;
  declared: number;
  /** Read errors of the body, as 4xx (the deadline also covers the body: its abort errors the stream). */
  failure(error: unknown): ApiError;
  /** Stops the deadline's timer (once the body is read or dropped). */
  close(): void;
}

async function openImageUrl(text: string, field: string, fetchImpl: typeof fetch, maxBytes: number): Promise<OpenedUrl> {
  let url = checkImageUrl(text, field);
  const deadline = Date.now() + LIMITS.urlTimeoutMs;
  for (let redirects = 0; ; redirects++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(1, deadline - Date.now()));
    const timedOut = () => `timed out after ${LIMITS.urlTimeoutMs} ms`;
    try {
      let res: Response;
      try {
        res = await fetchImpl(url.toString(), { redirect: "manual", signal: controller.signal, headers: { accept: "image/*" } });
      } catch (error) {
        throw new ApiError("image_fetch_failed", `${field}.url ${controller.signal.aborted ? timedOut() : `could not be fetched: ${(error as Error).message}`}`);
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
        await res.body?.cancel();
        if (redirects >= LIMITS.maxRedirects) throw new ApiError("image_fetch_failed", `${field}.url redirected more than ${LIMITS.maxRedirects} times`);
        url = checkImageUrl(new URL(res.headers.get("location")!, url).toString(), `${field} (redirect)`);
        clearTimeout(timer);
        continue;
      }
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw new ApiError("image_fetch_failed", `${field}.url answered HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get("content-length") ?? "0");
      if (declared > maxBytes) {
        await res.body.cancel();
        throw new ApiError("payload_too_large", `${field}.url serves ${declared} bytes; at most ${maxBytes}`);
      }
      return {
        body: res.body,
        declared: Number.isSafeInteger(declared) ? declared : 0,
        failure: (error) =>
          error instanceof ApiError
            ? error
            : new ApiError("image_fetch_failed", `${field}.url ${controller.signal.aborted ? timedOut() : `body could not be read: ${(error as Error).message}`}`),
        close: () => clearTimeout(timer),
      };
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }
  }
}

/** An image URL downloaded whole, into one buffer of the declared length (retrieval inputs, ingest). */
export async function fetchImageUrl(text: string, field: string, fetchImpl: typeof fetch = fetch): Promise<Uint8Array> {
  const opened = await openImageUrl(text, field, fetchImpl, LIMITS.maxHeldImageBytes);
  try {
    return await readLimited(opened.body, LIMITS.maxHeldImageBytes, field, opened.declared);
  } catch (error) {
    throw opened.failure(error);
  } finally {
    opened.close();
  }
}

/**
 * An image URL as a stream of pieces (/v1/match, /v1/features): the decoder reads the body as it
 * arrives, so the download never exists whole. Over LIMITS.maxImageBytes: 413 while reading.
 */
export async function streamImageUrl(text: string, field: string, fetchImpl: typeof fetch = fetch): Promise<ByteSource> {
  const opened = await openImageUrl(text, field, fetchImpl, LIMITS.maxImageBytes);
  const reader = opened.body.getReader();
  let total = 0;
  let done = false;
  const stop = async () => {
    done = true;
    opened.close();
    await reader.cancel().catch(() => undefined);
  };
  return {
    async read() {
      if (done) return null;
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        await stop();
        throw opened.failure(error);
      }
      if (result.done) {
        done = true;
        opened.close();
        return null;
      }
      total += result.value.length;
      if (total > LIMITS.maxImageBytes) {
        await stop();
        throw new ApiError("payload_too_large", `${field} is larger than ${LIMITS.maxImageBytes} bytes`);
      }
      return result.value;
    },
  };
}

/** A multipart field that must be exactly one file. */
export async function multipartFile(form: FormData, field: string): Promise<Uint8Array> {
  const values = form.getAll(field);
  if (values.length === 0) throw new ApiError("invalid_request", `multipart field "${field}" (a file) is missing`);
  if (values.length > 1) throw new ApiError("invalid_request", `multipart field "${field}" appears ${values.length} times`);
  const value = values[0];
  if (typeof value === "string") throw new ApiError("invalid_request", `multipart field "${field}" must be a file, not text`);
  if (value.size > LIMITS.maxHeldImageBytes) throw new ApiError("payload_too_large", `${field} is larger than ${LIMITS.maxHeldImageBytes} bytes`);
  return new Uint8Array(await value.arrayBuffer());
}

/** An optional multipart text field (at most once). */
export function multipartText(form: FormData, field: string): string | undefined {
  const values = form.getAll(field);
  if (values.length > 1) throw new ApiError("invalid_request", `multipart field "${field}" appears ${values.length} times`);
  if (values.length === 0) return undefined;
  const value = values[0];
  // A file here (curl -F options=@opts.json) would otherwise be ignored silently: the request would run on defaults.
  if (typeof value !== "string") throw new ApiError("invalid_request", `multipart field "${field}" must be text, not a file`);
  return value;
}
