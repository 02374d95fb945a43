// Every bound of src/service/limits.ts, at the HTTP surface inside workerd: body size, header-first
// pixel limits (413 before any decoding), option bounds, verify bounds, and URL inputs (http(s)
// only, manual redirects that cannot switch scheme, time and size limits) with a mocked fetch.
import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:test";
import worker from "../../../src/index";
import { pngBytes } from "../helpers";
import { scene } from "../../shared/synthetic-images";
import { LIMITS } from "../../../src/service/limits";
import { fetchImageUrl } from "../../../src/http/image-input";
import { defaultFuzzSeeds, multipartBody, pngChunk, PLAIN_FEATURES, FUZZ_BOUNDARY, TINY_EXTRACTION } from "../../shared/fuzz-corpus";

type Json = Record<string, any>;
const seeds = defaultFuzzSeeds();
const MULTIPART = { "content-type": `multipart/form-data; boundary=${FUZZ_BOUNDARY}` };
const JSON_TYPE = { "content-type": "application/json" };

async function call(path: string, body: BodyInit | Uint8Array | null, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await worker.fetch(new Request(`http://localhost${path}`, { method: "POST", body: body as BodyInit | null, headers, duplex: "half" } as RequestInit), env);
  return { status: res.status, body: (await res.json()) as Json };
}

function error(r: { status: number; body: Json }) {
  return { status: r.status, code: r.body.error?.code };
}

/** A PNG whose IHDR declares width×height, followed by almost nothing. */
function declaredPng(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return new Uint8Array([...sig, ...pngChunk("IHDR", ihdr), ...pngChunk("IEND", new Uint8Array(0))]);
}

function featuresRequest(image: Uint8Array, options: unknown = TINY_EXTRACTION) {
  return call("/v1/features", multipartBody([{ name: "image", value: image, filename: "i.png" }, { name: "options", value: JSON.stringify(options) }]), MULTIPART);
}

describe("request body", () => {
  it(`413 payload_too_large above ${LIMITS.maxBodyBytes} bytes, with or without Content-Length, on every endpoint`, async () => {
    const big = new Uint8Array(LIMITS.maxBodyBytes + 1);
    for (const path of ["/v1/match", "/v1/features", "/v1/verify"]) {
      expect(error(await call(path, big, JSON_TYPE))).toEqual({ status: 413, code: "payload_too_large" });
      // A streamed body (no Content-Length) is counted while it is read.
      let pulled = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled > LIMITS.maxBodyBytes * 2) return controller.close();
          pulled += 1 << 20;
          controller.enqueue(new Uint8Array(1 << 20));
        },
      });
      // /v1/match and /v1/features read multipart as a stream: bytes that are no multipart are refused at once.
      const expected = path === "/v1/verify" ? { status: 413, code: "payload_too_large" } : { status: 400, code: "invalid_request" };
      expect(error(await call(path, stream, MULTIPART))).toEqual(expected);
      expect(pulled).toBeLessThanOrEqual(LIMITS.maxBodyBytes + 3 * (1 << 20));
    }
  });

  it.each([
    ["/v1/match", LIMITS.maxMatchUploadBytes],
    ["/v1/features", LIMITS.maxFeaturesUploadBytes],
  ])(`%s multipart: 413 payload_too_large above %i bytes, counted while streaming (reading stops)`, async (path, maxUploadBytes) => {
    const head = multipartBody([{ name: "options", value: JSON.stringify(TINY_EXTRACTION) }, { name: "note", value: "" }], FUZZ_BOUNDARY, { close: false });
    const partHead = new TextEncoder().encode(`--${FUZZ_BOUNDARY}\r\nContent-Disposition: form-data; name="filler"; filename="f"\r\n\r\n`);
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
      pull(controller) {
        if (pulled > maxUploadBytes * 2) return controller.close();
        pulled += 1 << 20;
        // 1 MiB filler fields: each under the per-part limit, together over the body limit.
        controller.enqueue(new Uint8Array([...partHead, ...new Uint8Array((1 << 20) - partHead.length - 2), 13, 10]));
      },
    });
    expect(error(await call(path, stream, MULTIPART))).toEqual({ status: 413, code: "payload_too_large" });
    expect(pulled).toBeLessThanOrEqual(maxUploadBytes + 3 * (1 << 20));
  });

  // Since issue 11 the body limit (10 MiB) is below the image limit (12 MiB, for URL downloads): an
  // upload this large is refused by whichever comes first, with the same code.
  it(`413 payload_too_large for one image above ${LIMITS.maxImageBytes} bytes (file or base64)`, async () => {
    const image = new Uint8Array(LIMITS.maxImageBytes + 1);
    expect(error(await featuresRequest(image))).toEqual({ status: 413, code: "payload_too_large" });
    const base64 = "A".repeat(Math.ceil(((LIMITS.maxImageBytes + 3) * 4) / 3) + 8);
    expect(error(await call("/v1/features", JSON.stringify({ image: { base64 } }), JSON_TYPE))).toEqual({ status: 413, code: "payload_too_large" });
  });
});

describe("image size, from the header before decoding", () => {
  it(`413 image_too_large above ${LIMITS.maxImageSide} px a side or ${LIMITS.maxSourcePixels} px, from a 57-byte file`, async () => {
    const square = Math.ceil(Math.sqrt(LIMITS.maxSourcePixels + 1));
    for (const [w, h] of [[LIMITS.maxImageSide + 1, 1], [1, LIMITS.maxImageSide + 1], [square, square], [10_000, 10_000], [100_000, 100_000], [2 ** 31 - 1, 2 ** 31 - 1]]) {
      const r = await featuresRequest(declaredPng(w, h));
      expect({ w, h, ...error(r) }).toEqual({ w, h, status: 413, code: "image_too_large" });
      expect(r.body.error.message).toMatch(/at most/);
    }
    // At the side limit the header passes and the (missing) pixel data is what fails: 400, not 413.
    expect(error(await featuresRequest(declaredPng(LIMITS.maxImageSide, 1)))).toEqual({ status: 400, code: "image_decode_failed" });
  });

  it(`413 when a pyramid level would exceed ${LIMITS.maxLevelPixels} px (memory bound), unless dropLargeScales`, async () => {
    // 200×160 at scale 4 is an 800×640 level.
    const image = await pngBytes(scene(200, 160));
    const tooBig = await featuresRequest(image, { fit: "none", scales: [4] });
    expect(error(tooBig)).toEqual({ status: 413, code: "image_too_large" });
    expect(tooBig.body.error.message).toMatch(/dropLargeScales/);
  });
});

describe("option bounds", () => {
  it("refuses each option one step past its bound with 400 invalid_options", async () => {
    const past = [
      { scales: new Array(LIMITS.maxScales + 1).fill(1) },
      { scales: [LIMITS.minScale - 0.001] },
      { scales: [LIMITS.maxScale + 0.001] },
      { maxFeatures: LIMITS.maxFeatures + 1 },
      { fit: { maxSide: LIMITS.maxFitSide + 1 } },
      { fit: { maxSide: LIMITS.minFitSide - 1 } },
      { ransac: { maxTrials: LIMITS.maxRansacTrials + 1 } },
    ];
    for (const options of past) {
      const body = multipartBody([
        { name: "image1", value: seeds.png, filename: "1.png" },
        { name: "image2", value: seeds.png, filename: "2.png" },
        { name: "options", value: JSON.stringify(options) },
      ]);
      expect({ options, ...error(await call("/v1/match", body, MULTIPART)) }).toEqual({ options, status: 400, code: "invalid_options" });
    }
  });

  it("accepts the bounds themselves (maxTrials and the verify feature count on /v1/verify)", async () => {
    const ok = await call("/v1/verify", JSON.stringify({ features1: PLAIN_FEATURES, features2: PLAIN_FEATURES, options: { ransac: { maxTrials: LIMITS.maxRansacTrials } } }), JSON_TYPE);
    expect(ok.status).toBe(200);
    expect(ok.body.numPutative).toBe(4);
    const many = (n: number) => ({ locations: new Array(n).fill([0, 0]), descriptors: { dtype: "float32", shape: [n, 1], base64: btoa("\0\0\x80?".repeat(n)) } });
    expect((await call("/v1/verify", JSON.stringify({ features1: many(LIMITS.maxVerifyFeatures), features2: many(2) }), JSON_TYPE)).status).toBe(200);
    expect(error(await call("/v1/verify", JSON.stringify({ features1: many(LIMITS.maxVerifyFeatures + 1), features2: many(2) }), JSON_TYPE))).toEqual({ status: 400, code: "invalid_features" });
    const wide = { locations: [[0, 0]], descriptors: [new Array(LIMITS.maxDescriptorDim + 1).fill(0)] };
    expect(error(await call("/v1/verify", JSON.stringify({ features1: wide, features2: wide }), JSON_TYPE))).toEqual({ status: 400, code: "invalid_features" });
  });
});

describe("URL inputs (mocked fetch)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const png = seeds.png;
  const ok = () => new Response(png as Uint8Array<ArrayBuffer>, { status: 200, headers: { "content-type": "image/png" } });
  const redirect = (location: string, status = 302) => new Response(null, { status, headers: { location } });

  it("fetches http and https with manual redirects; refuses other schemes without fetching", async () => {
    const seen: Array<{ url: string; redirect?: string }> = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      seen.push({ url, redirect: init.redirect });
      return ok();
    }) as unknown as typeof fetch;
    expect(await fetchImageUrl("http://example.com/a.png", "image", fetchImpl)).toEqual(png);
    expect(await fetchImageUrl("https://example.com/a.png", "image", fetchImpl)).toEqual(png);
    expect(seen).toEqual([{ url: "http://example.com/a.png", redirect: "manual" }, { url: "https://example.com/a.png", redirect: "manual" }]);
    for (const url of ["ftp://example.com/a.png", "file:///etc/passwd", "data:image/png;base64,AAAA", "javascript:alert(1)", "ws://example.com/", "http://user:pw@example.com/a.png", "nonsense"])
      await expect(fetchImageUrl(url, "image", fetchImpl)).rejects.toMatchObject({ code: "invalid_request", status: 400 });
    expect(seen.length).toBe(2);
  });

  it("follows relative and absolute http(s) redirects, never one to another scheme, at most 3", async () => {
    const hops: string[] = [];
    const chain: Record<string, () => Response> = {
      "https://a.example/start": () => redirect("/next", 301),
      "https://a.example/next": () => redirect("http://b.example/img.png", 307),
      "http://b.example/img.png": ok,
      "https://a.example/to-file": () => redirect("file:///etc/passwd"),
      "https://a.example/to-ftp": () => redirect("ftp://a.example/x.png", 308),
      "https://a.example/to-js": () => redirect("javascript:alert(1)"),
      "https://a.example/loop": () => redirect("https://a.example/loop"),
    };
    const fetchImpl = (async (url: string) => {
      hops.push(url);
      return chain[url]();
    }) as unknown as typeof fetch;
    expect(await fetchImageUrl("https://a.example/start", "image1", fetchImpl)).toEqual(png);
    expect(hops).toEqual(["https://a.example/start", "https://a.example/next", "http://b.example/img.png"]);
    for (const start of ["to-file", "to-ftp", "to-js"]) {
      hops.length = 0;
      await expect(fetchImageUrl(`https://a.example/${start}`, "image1", fetchImpl)).rejects.toMatchObject({ code: "invalid_request" });
      expect(hops).toEqual([`https://a.example/${start}`]);
    }
    hops.length = 0;
    await expect(fetchImageUrl("https://a.example/loop", "image1", fetchImpl)).rejects.toMatchObject({ code: "image_fetch_failed", message: expect.stringMatching(/redirected more than 3/) });
    expect(hops.length).toBe(LIMITS.maxRedirects + 1);
  });

  it(`413 above ${LIMITS.maxImageBytes} bytes, from Content-Length or while streaming (reading stops)`, async () => {
    let cancelled = false;
    const declared = (async () =>
      new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(1024)), cancel: () => void (cancelled = true) }), {
        headers: { "content-length": String(LIMITS.maxImageBytes + 1) },
      })) as unknown as typeof fetch;
    await expect(fetchImageUrl("https://example.com/big.png", "image", declared)).rejects.toMatchObject({ code: "payload_too_large", status: 413 });
    expect(cancelled).toBe(true);
    let pulled = 0;
    const endless = (async () =>
      new Response(new ReadableStream({ pull: (c) => { pulled += 65536; c.enqueue(new Uint8Array(65536)); } }))) as unknown as typeof fetch;
    await expect(fetchImageUrl("https://example.com/endless.png", "image", endless)).rejects.toMatchObject({ code: "payload_too_large" });
    expect(pulled).toBeLessThanOrEqual(LIMITS.maxImageBytes + 3 * 65536);
  });

  it("answers 400 image_fetch_failed for HTTP errors and network failures", async () => {
    const status = (s: number) => (async () => new Response("nope", { status: s })) as unknown as typeof fetch;
    for (const s of [404, 500, 304])
      await expect(fetchImageUrl("https://example.com/x.png", "image", s === 304 ? ((async () => new Response(null, { status: 304 })) as unknown as typeof fetch) : status(s))).rejects.toMatchObject({ code: "image_fetch_failed", message: expect.stringContaining(`HTTP ${s}`) });
    const down = (async () => {
      throw new TypeError("connection refused");
    }) as unknown as typeof fetch;
    await expect(fetchImageUrl("https://example.com/x.png", "image", down)).rejects.toMatchObject({ code: "image_fetch_failed" });
  });

  it(`times out after ${LIMITS.urlTimeoutMs} ms: a server that never answers, and one that stalls mid-body`, async () => {
    vi.useFakeTimers();
    const never = ((_url: string, init: RequestInit) =>
      new Promise((_, reject) => init.signal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))))) as unknown as typeof fetch;
    const pending = fetchImageUrl("https://slow.example/x.png", "image", never);
    const settled = expect(pending).rejects.toMatchObject({ code: "image_fetch_failed", message: expect.stringMatching(/timed out/) });
    await vi.advanceTimersByTimeAsync(LIMITS.urlTimeoutMs + 1);
    await settled;
    // Headers come at once, then the body stalls; the abort errors the body as real fetch does.
    const stalls = ((_url: string, init: RequestInit) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(png.subarray(0, 16));
          init.signal!.addEventListener("abort", () => controller.error(new DOMException("The operation was aborted", "AbortError")));
        },
      });
      return Promise.resolve(new Response(body));
    }) as unknown as typeof fetch;
    const stalled = fetchImageUrl("https://slow.example/y.png", "image", stalls);
    const stalledSettled = expect(stalled).rejects.toMatchObject({ code: "image_fetch_failed", message: expect.stringMatching(/timed out/) });
    await vi.advanceTimersByTimeAsync(LIMITS.urlTimeoutMs + 1);
    await stalledSettled;
  });
});
