// /v1/match multipart bodies are read as a stream, part by part (src/http/multipart-stream.ts):
// any field order gives the same answer; with "options" first image 1 is decoded before image 2 is
// read; bad, truncated and oversized bodies get their 4xx, and the next request is answered the same.
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../src/http/app";
import { createNodeContext } from "../../../src/node-platform";
import { LIMITS } from "../../../src/service/limits";
import { FUZZ_BOUNDARY, multipartBody, TINY_EXTRACTION } from "../../shared/fuzz-corpus";
import { haveShared, readShared, toPng } from "../image/fixtures";
import { scene } from "../../shared/synthetic-images";
import { upscaleToRgba } from "../../shared/large-images";

type Json = Record<string, any>;
type Part = Parameters<typeof multipartBody>[0][number];
const OPTIONS = JSON.stringify(TINY_EXTRACTION);

/** The body as a stream of 64 KiB chunks that counts what the server has pulled. */
function counted(bytes: Uint8Array): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 65536));
      at += 65536;
    },
  });
  return { stream, pulled: () => Math.min(at, bytes.length) };
}

describe.skipIf(!haveShared)("/v1/match multipart as a stream", () => {
  let app: ReturnType<typeof createApp>;
  let img1: Uint8Array;
  let img2: Uint8Array;
  const file = (name: string, value: Uint8Array): Part => ({ name, value, filename: `${name}.png`, type: "image/png" });
  const options: Part = { name: "options", value: OPTIONS };

  beforeAll(async () => {
    img1 = await readShared("pairs/graf/img1.png");
    img2 = await readShared("pairs/graf/img2.png");
    const context = await createNodeContext("synthetic:1");
    app = createApp({ context: async () => context });
  }, 120_000);

  async function match(parts: Part[], close = true): Promise<{ status: number; body: Json; pulled: number; total: number }> {
    const bytes = multipartBody(parts, FUZZ_BOUNDARY, { close });
    const { stream, pulled } = counted(bytes);
    const res = await app.fetch(
      new Request("http://x/v1/match", {
        method: "POST",
        body: stream,
        headers: { "content-type": `multipart/form-data; boundary=${FUZZ_BOUNDARY}` },
        duplex: "half",
      } as RequestInit),
    );
    return { status: res.status, body: (await res.json()) as Json, pulled: pulled(), total: bytes.length };
  }
  const answer = (r: { body: Json }) => ({ numInliers: r.body.numInliers, matches: r.body.matches, image1: r.body.image1, image2: r.body.image2 });
  const error = (r: { status: number; body: Json }) => ({ status: r.status, code: r.body.error?.code });

  it("gives the same answer for options first, options last, images swapped in the body, and extra fields", async () => {
    const first = await match([options, file("image1", img1), file("image2", img2)]);
    expect(first.status).toBe(200);
    expect(first.pulled).toBe(first.total);
    for (const parts of [
      [file("image1", img1), file("image2", img2), options],
      [file("image2", img2), options, file("image1", img1)],
      [{ name: "note", value: "ignored" }, options, file("image1", img1), file("image2", img2)],
    ]) {
      const r = await match(parts);
      expect(r.status).toBe(200);
      expect(answer(r)).toEqual(answer(first));
    }
  }, 300_000);

  it("with options first, decodes image 1 before reading image 2 (a bad image 1 leaves image 2 unread)", async () => {
    const big2 = new Uint8Array(4 << 20).fill(7);
    const r = await match([options, file("image1", img1.subarray(0, 1000)), file("image2", big2)]);
    expect(error(r)).toEqual({ status: 400, code: "image_decode_failed" });
    expect(r.pulled).toBeLessThan(1 << 20);
  });

  it("bad second part, truncated body, a part over the per-image limit mid-stream, a body over the upload limit: 4xx, then the same answer again", async () => {
    const good = await match([options, file("image1", img1), file("image2", img2)]);
    expect(good.status).toBe(200);

    expect(error(await match([options, file("image1", img1), { name: "image2", value: "not a file" }]))).toEqual({ status: 400, code: "invalid_request" });
    expect(error(await match([options, file("image1", img1), file("image1", img2)]))).toEqual({ status: 400, code: "invalid_request" });
    expect(error(await match([options, file("image1", img1)]))).toEqual({ status: 400, code: "invalid_request" });
    const truncated = await match([options, file("image1", img1), file("image2", img2)], false);
    expect(error(truncated)).toEqual({ status: 400, code: "invalid_request" });
    expect(truncated.body.error.message).toMatch(/closing boundary/);

    // A real image (its header passes), then padding past the per-image limit: refused while it is read.
    // Above 1 MP the file is decoded as it arrives, so the bound is maxImageBytes ...
    const large = await toPng(upscaleToRgba(scene(400, 300), 1600, 1200));
    const overImage = new Uint8Array(LIMITS.maxImageBytes + (4 << 20));
    overImage.set(large);
    const r1 = await match([options, file("image1", img1), file("image2", overImage)]);
    expect(error(r1)).toEqual({ status: 413, code: "payload_too_large" });
    expect(r1.pulled).toBeLessThan(r1.total); // refused while reading, not after
    // ... an image of ≤ 1 MP is read whole for the exact path, so maxHeldImageBytes, naming why.
    const overHeld = new Uint8Array(LIMITS.maxHeldImageBytes + (4 << 20));
    overHeld.set(img2);
    const r1b = await match([options, file("image1", img1), file("image2", overHeld)]);
    expect(error(r1b)).toEqual({ status: 413, code: "image_too_large" });
    expect(r1b.body.error.message).toMatch(/up to 1 MP is decoded from one buffer/);
    expect(r1b.pulled).toBeLessThan(r1b.total);

    // Under the per-image limit each, but the body is over maxMatchUploadBytes (the extra field is counted too).
    const near = new Uint8Array(LIMITS.maxImageBytes - 1000);
    const r2 = await match([options, file("image1", img1), file("image2", img2), { name: "extra", value: near, filename: "x" }, { name: "extra2", value: near, filename: "y" }]);
    expect(error(r2)).toEqual({ status: 413, code: "payload_too_large" });
    expect(r2.pulled).toBeLessThanOrEqual(LIMITS.maxMatchUploadBytes + 4 * 65536); // the platform reads a chunk or two ahead

    // An image before the options must be held undecoded: the body is then bounded by maxBodyBytes.
    const r3 = await match([file("image1", img1), file("image2", new Uint8Array(LIMITS.maxBodyBytes)), options]);
    expect(error(r3)).toEqual({ status: 413, code: "payload_too_large" });
    expect(r3.body.error.message).toMatch(/send "options" first/);

    const again = await match([options, file("image1", img1), file("image2", img2)]);
    expect(again.status).toBe(200);
    expect(answer(again)).toEqual(answer(good));
  }, 300_000);

  it("a client that stalls mid-upload gets 408 upload_timeout and frees the isolate's queue: the request behind it is answered", async () => {
    const limits = LIMITS as { uploadIdleTimeoutMs: number };
    const idle = limits.uploadIdleTimeoutMs;
    limits.uploadIdleTimeoutMs = 300;
    try {
      const bytes = multipartBody([options, file("image1", img1), file("image2", img2)], FUZZ_BOUNDARY);
      let sent = false;
      const stalled = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent) return new Promise<void>(() => undefined); // never another byte
          sent = true;
          controller.enqueue(bytes.slice(0, bytes.length - (img2.length >> 1))); // half of image 2
        },
      });
      const stalledResponse = app.fetch(
        new Request("http://x/v1/match", { method: "POST", body: stalled, headers: { "content-type": `multipart/form-data; boundary=${FUZZ_BOUNDARY}` }, duplex: "half" } as RequestInit),
      );
      const behind = match([options, file("image1", img1), file("image2", img2)]); // queued behind the stalled decode
      const res = await stalledResponse;
      expect({ status: res.status, code: ((await res.json()) as Json).error?.code }).toEqual({ status: 408, code: "upload_timeout" });
      expect((await behind).status).toBe(200);
    } finally {
      limits.uploadIdleTimeoutMs = idle;
    }
  }, 300_000);

  it("/v1/features uploads are streamed the same way: a photo above the held-whole bound is answered with options first, refused before them", async () => {
    async function features(parts: Part[]): Promise<{ status: number; body: Json }> {
      const { stream } = counted(multipartBody(parts, FUZZ_BOUNDARY));
      const res = await app.fetch(
        new Request("http://x/v1/features", { method: "POST", body: stream, headers: { "content-type": `multipart/form-data; boundary=${FUZZ_BOUNDARY}` }, duplex: "half" } as RequestInit),
      );
      return { status: res.status, body: (await res.json()) as Json };
    }
    const large = await toPng(upscaleToRgba(scene(400, 300), 1600, 1200)); // > 1 MP: decoded while it arrives
    const padded = new Uint8Array(LIMITS.maxHeldImageBytes + (1 << 20)); // bytes after IEND still belong to the file
    padded.set(large);
    const whole = await app.fetch(
      new Request("http://x/v1/features", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ image: { base64: Buffer.from(large).toString("base64") }, options: TINY_EXTRACTION }),
      }),
    );
    expect(whole.status).toBe(200);
    const streamed = await features([options, { name: "image", value: padded, filename: "big.png", type: "image/png" }]);
    expect(streamed.body.error).toBeUndefined();
    expect(streamed.status).toBe(200);
    expect(streamed.body.features).toEqual(((await whole.json()) as Json).features);
    const before = await features([{ name: "image", value: padded, filename: "big.png", type: "image/png" }, options]);
    expect(error(before)).toEqual({ status: 413, code: "payload_too_large" });
    expect(before.body.error.message).toMatch(/send "options" first/);
  }, 300_000);
});
