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

const limits = () => ({ maxBodyBytes: 1 << 24, maxPartBytes: 1 << 22 });

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
      for await (const part of streamMultipart(request(body, 8, 3000), { maxBodyBytes: 1 << 24, maxPartBytes: 100_000 })) await readAll(part.body);
    })();
    await expect(over).rejects.toMatchObject({ code: "payload_too_large", status: 413 });
  });
});
