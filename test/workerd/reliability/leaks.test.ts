// After 1000 mixed requests (malformed ones from the fuzz corpus, /v1/verify, feature-cache hits and
// real extractions), the tfjs engine holds exactly the tensors it held after the first valid
// request, and the tfjs wasm heap (which only grows) is no larger than right after that request.
// Requests go straight to the Worker's fetch handler (see fuzz.test.ts for why not SELF.fetch).
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import * as tf from "@tensorflow/tfjs-core";
import worker from "../../../src/index";
import { tfjsWasmHeapBytes } from "../../../src/runtime/tfjs";
import { defaultFuzzSeeds, fuzzCorpus, fuzzRequest, pngWithText, PLAIN_FEATURES } from "../../shared/fuzz-corpus";
import { multipart, pngBytes } from "../helpers";
import { crop, scene } from "../../shared/synthetic-images";

type Json = Record<string, any>;
const TOTAL = 1000;
const OPTIONS = JSON.stringify({ fit: "none", scales: [0.7071, 1.0], scoreThreshold: 0, maxFeatures: 200 });

async function send(req: Request): Promise<number> {
  const res = await worker.fetch(req, env);
  await res.arrayBuffer();
  return res.status;
}

describe("leaks", () => {
  it(`${TOTAL} mixed requests leave no tensor behind and do not grow the wasm heap past its first peak`, async () => {
    const s = scene(200, 160, 3);
    const [image1, image2] = [await pngBytes(crop(s, 20, 20, 112, 96)), await pngBytes(crop(s, 44, 30, 112, 96))];
    const matchRequest = (a: Uint8Array, b: Uint8Array) => new Request("http://localhost/v1/match", { method: "POST", body: multipart({ image1: a, image2: b, options: OPTIONS }) });
    const featuresRequest = (image: Uint8Array) => new Request("http://localhost/v1/features", { method: "POST", body: multipart({ image, options: OPTIONS }) });
    const verifyRequest = (i: number) =>
      new Request("http://localhost/v1/verify", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ features1: PLAIN_FEATURES, features2: PLAIN_FEATURES, options: { matcher: ["nn", "mnn", "ratio"][i % 3], ransac: { seed: i } } }),
      });

    expect(await send(matchRequest(image1, image2))).toBe(200);
    const baseline = tf.memory();
    const peak = tfjsWasmHeapBytes();
    // the model is loaded (the match above answered 200); the wasm conv engine keeps its weights in one
    // packed block of the tfjs heap, not as tfjs tensors, so no tensor is alive between requests
    expect(baseline.numTensors).toBe(0);

    // Malformed requests that must always be refused (cheap, but they do reach the decoders).
    const malformed = fuzzCorpus(defaultFuzzSeeds()).filter((c) => c.expect === "error");
    const statuses = new Map<string, number>();
    let extractions = 0;
    for (let i = 0; i < TOTAL - 1; i++) {
      let req: Request;
      let kind: string;
      if (i % 20 === 19) {
        // A real extraction: same size as the first request's images, new bytes (no cache hit).
        kind = "extraction";
        req = featuresRequest(pngWithText(i % 40 === 19 ? image1 : image2, "nonce", String(i)));
        extractions++;
      } else if (i % 5 === 0) {
        kind = "cache-hit";
        req = matchRequest(image1, image2);
      } else if (i % 5 === 1) {
        kind = "verify";
        req = verifyRequest(i);
      } else {
        kind = "malformed";
        req = fuzzRequest(malformed[(i * 7) % malformed.length]);
      }
      const status = await send(req);
      const key = `${kind} ${status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    const after = tf.memory();
    console.log(
      `leaks: ${TOTAL} requests (${extractions} extractions)`,
      Object.fromEntries([...statuses].sort()),
      `tensors ${baseline.numTensors} → ${after.numTensors}, tfjs bytes ${baseline.numBytes} → ${after.numBytes}, wasm heap ${(peak / 2 ** 20).toFixed(1)} → ${(tfjsWasmHeapBytes() / 2 ** 20).toFixed(1)} MiB`,
    );
    expect([...statuses.keys()].filter((k) => !/^(extraction 200|cache-hit 200|verify 200|malformed 4\d\d)$/.test(k))).toEqual([]);
    expect(extractions).toBeGreaterThanOrEqual(45);
    expect(after.numTensors).toBe(baseline.numTensors);
    expect(after.numBytes).toBe(baseline.numBytes);
    expect(tfjsWasmHeapBytes()).toBeLessThanOrEqual(peak);
  });
});
