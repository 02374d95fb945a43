// The own boundary scan of src/http/multipart-stream.ts: parts and their bodies come out exactly as
// sent whatever the chunking (1-byte chunks, random sizes, a boundary split anywhere), bodies that
// contain near-boundaries ("\r\n--" and the boundary without its CRLF) are kept, and bad bodies are 4xx.
import { describe, expect, it } from "vitest";
import { streamMultipart } from "../../../src/http/multipart-stream";
import { readAll } from "../../../src/image/byte-source";
import { FUZZ_BOUNDARY, multipartBody } from "../../shared/fuzz-corpus";
import { rng } from "../image/fixtures";

function request(body: Uint8Array, seed: number, maxChunk: number): Request {
  const random = rng(seed);
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= body.length) return controller.close();
      const n = 1 + Math.floor(random() * maxChunk);
      controller.enqueue(body.slice(at, at + n));
      at += n;
    },
  });
  return new Request("http://x/", { method: "POST", body: stream, headers: { "content-type": `multipart/form-data; boundary=${FUZZ_BOUNDARY}` }, duplex: "half" } as RequestInit);
}

const limits = () => ({ maxBodyBytes: 1 << 24, maxPartBytes: 1 << 22, idleTimeoutMs: 60_000, totalTimeoutMs: 600_000 });

async function parse(body: Uint8Array, seed: number, maxChunk: number) {
  const out: Array<{ name: string; isFile: boolean; bytes: Uint8Array }> = [];
  for await (const part of streamMultipart(request(body, seed, maxChunk), limits())) out.push({ name: part.name, isFile: part.isFile, bytes: await readAll(part.body) });
  return out;
}

describe("streamMultipart: own boundary scan", () => {
  const enc = new TextEncoder();
  // A delimiter prefix that breaks off, and the whole boundary without the CRLF before it: both are data.
  const tricky = enc.encode(`a\r\n--${FUZZ_BOUNDARY.slice(0, -1)}x\r\n-\r\nq--${FUZZ_BOUNDARY}z`);
  const random = rng(9);
  const big = Uint8Array.from({ length: 200_000 }, () => Math.floor(random() * 256));
  const parts = [
    { name: "options", value: '{"fit":256}' },
    { name: "image1", value: tricky, filename: "a.bin" },
    { name: "image2", value: big, filename: "b.bin" },
    { name: "empty", value: new Uint8Array(0), filename: "c.bin" },
  ];
  const body = multipartBody(parts);

  it("gives every part's bytes exactly, for 1-byte chunks and random chunk sizes", async () => {
    for (const [seed, maxChunk] of [[1, 1], [2, 7], [3, 5000], [4, 100_000]] as const) {
      const got = await parse(body, seed, maxChunk);
      expect(got.map((p) => [p.name, p.isFile, p.bytes.length])).toEqual([
        ["options", false, 11],
        ["image1", true, tricky.length],
        ["image2", true, big.length],
        ["empty", true, 0],
      ]);
      expect(Buffer.from(got[1].bytes).equals(Buffer.from(tricky))).toBe(true);
      expect(Buffer.from(got[2].bytes).equals(Buffer.from(big))).toBe(true);
    }
  }, 120_000);

  it("a skipped part is read past; a truncated body, a missing first boundary and a part over its bound are 4xx", async () => {
    const names: string[] = [];
    for await (const part of streamMultipart(request(body, 5, 3000), limits())) names.push(part.name); // bodies not read
    expect(names).toEqual(["options", "image1", "image2", "empty"]);
    await expect(parse(body.subarray(0, body.length - 10), 6, 3000)).rejects.toMatchObject({ code: "invalid_request", status: 400 });
    await expect(parse(body.subarray(5), 7, 3000)).rejects.toMatchObject({ code: "invalid_request" });
    const over = (async () => {
      for await (const part of streamMultipart(request(body, 8, 3000), { ...limits(), maxPartBytes: 100_000 })) await readAll(part.body);
    })();
    await expect(over).rejects.toMatchObject({ code: "payload_too_large", status: 413 });
  });

  /** A body that sends `head` at once, then one byte every `everyMs` (null: nothing more, ever), and counts its cancels. */
  function slowRequest(head: Uint8Array, everyMs: number | null) {
    const state = { cancelled: 0 };
    let sentHead = false;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sentHead) {
          sentHead = true;
          return controller.enqueue(head);
        }
        await new Promise((resolve) => (everyMs === null ? undefined : setTimeout(resolve, everyMs)));
        controller.enqueue(new Uint8Array([120]));
      },
      cancel() {
        state.cancelled++;
      },
    });
    const req = new Request("http://x/", { method: "POST", body: stream, headers: { "content-type": `multipart/form-data; boundary=${FUZZ_BOUNDARY}` }, duplex: "half" } as RequestInit);
    return { req, state };
  }
  // Up to image1's headers and 3 bytes of its body: the stall comes inside a part.
  const image1Body = Buffer.from(body).indexOf("\r\n\r\n", Buffer.from(body).indexOf('name="image1"')) + 4;
  const imageHead = body.subarray(0, image1Body + 3);

  it("a client that stalls mid-part is a 408 upload_timeout after the idle bound, and its body is cancelled", async () => {
    const { req, state } = slowRequest(imageHead, null); // without the bound this read would wait forever
    const read = (async () => {
      for await (const part of streamMultipart(req, { ...limits(), idleTimeoutMs: 100 })) await readAll(part.body);
    })();
    await expect(read).rejects.toMatchObject({ code: "upload_timeout", status: 408, message: expect.stringContaining("no bytes") });
    expect(state.cancelled).toBe(1);
  });

  it("a client that trickles (a byte within each idle bound) is a 408 upload_timeout at the total bound", async () => {
    const { req, state } = slowRequest(imageHead, 20);
    const read = (async () => {
      for await (const part of streamMultipart(req, { ...limits(), idleTimeoutMs: 1_000, totalTimeoutMs: 300 })) await readAll(part.body);
    })();
    await expect(read).rejects.toMatchObject({ code: "upload_timeout", status: 408, message: expect.stringContaining("did not finish") });
    expect(state.cancelled).toBe(1);
  });
});
