// The malformed-request corpus (test/shared/fuzz-corpus.ts) against the Worker inside workerd:
// every answer is a 4xx JSON error with a stable code (or, for a corrupted image a codec can still
// read, a well-formed 200); nothing crashes, nothing is a 5xx; afterwards a valid request still
// gets exactly the answer it got before.
// The corpus goes straight to the Worker's fetch handler (src/index.ts) in this isolate. SELF.fetch
// of @cloudflare/vitest-pool-workers 0.15 gets slower with every call (measured: 6 ms, then 400 ms
// per request after ~1000 calls, also for a plain 404), which would make 1700 requests take many minutes.
import { beforeAll, describe, expect, it } from "vitest";
import { SELF, env } from "cloudflare:test";
import worker from "../../../src/index";
import { ERROR_STATUS } from "../../../src/http/errors";
import { defaultFuzzSeeds, fuzzCorpus, fuzzRequest, pngWithText, type FuzzCase } from "../../shared/fuzz-corpus";
import { multipart, pngBytes } from "../helpers";
import { crop, scene } from "../../shared/synthetic-images";

type Json = Record<string, any>;

const STABLE_CODES = new Set(Object.keys(ERROR_STATUS).filter((code) => code !== "internal_error"));
const OPTIONS = JSON.stringify({ fit: "none", scales: [0.7071, 1.0], scoreThreshold: 0, maxFeatures: 200 });

/** The part of a match answer that must not change (timings and cache state may). */
function answer(body: Json): Json {
  const { timingsMs: _t, cache: _c, ...rest } = body;
  return rest;
}

async function validMatch(image1: Uint8Array, image2: Uint8Array): Promise<Json> {
  const res = await SELF.fetch("http://localhost/v1/match", { method: "POST", body: multipart({ image1, image2, options: OPTIONS }) });
  const body = (await res.json()) as Json;
  if (res.status !== 200) throw new Error(`valid match failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** What is wrong with one answer, or null. */
async function judge(c: FuzzCase, res: Response): Promise<string | null> {
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    return `${res.status}, not JSON: ${text.slice(0, 120)}`;
  }
  if (!(res.headers.get("content-type") ?? "").startsWith("application/json")) return `content-type ${res.headers.get("content-type")}`;
  if (res.status === 200) {
    if (c.expect !== "error-or-ok") return `200 for an invalid request: ${text.slice(0, 160)}`;
    const wellFormed = c.path.startsWith("/v1/features")
      ? Number.isInteger(body.numFeatures) && body.descriptors?.shape?.[0] === body.numFeatures
      : Number.isInteger(body.numInliers) && Array.isArray(body.matches) && body.matches.length === body.numPutative;
    return wellFormed ? null : `malformed 200 body: ${text.slice(0, 160)}`;
  }
  const code = body?.error?.code;
  if (res.status < 400 || res.status >= 500) return `status ${res.status}: ${text.slice(0, 200)}`;
  if (!STABLE_CODES.has(code)) return `unstable code ${JSON.stringify(code)}`;
  if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== res.status) return `code ${code} with status ${res.status}`;
  if (typeof body.error.message !== "string" || body.error.message.length === 0) return "no message";
  return null;
}

describe("fuzz corpus", () => {
  const corpus = fuzzCorpus(defaultFuzzSeeds());
  let image1: Uint8Array;
  let image2: Uint8Array;
  let before: Json;

  beforeAll(async () => {
    const s = scene(200, 160, 11);
    [image1, image2] = [await pngBytes(crop(s, 10, 10, 112, 96)), await pngBytes(crop(s, 34, 22, 112, 96))];
    before = await validMatch(image1, image2);
  });

  it("is deterministic and large enough", () => {
    const again = fuzzCorpus(defaultFuzzSeeds());
    expect(again.map((c) => c.id)).toEqual(corpus.map((c) => c.id));
    expect(again.every((c, i) => String(c.body) === String(corpus[i].body))).toBe(true);
    expect(corpus.length).toBeGreaterThanOrEqual(1000);
    expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
    expect(before.image1.numFeatures).toBeGreaterThan(0);
  });

  it("every malformed request gets a 4xx JSON error with a stable code: 0 crashes, 0 5xx", async () => {
    const problems: string[] = [];
    const answers = new Map<string, number>();
    let decodedAnyway = 0;
    for (const c of corpus) {
      let res: Response;
      try {
        res = await worker.fetch(fuzzRequest(c), env);
      } catch (error) {
        problems.push(`${c.id}: crashed: ${(error as Error).message}`);
        continue;
      }
      const status = res.status;
      const problem = await judge(c, res);
      if (problem) problems.push(`${c.id}: ${problem}`);
      if (status === 200) decodedAnyway++;
      answers.set(`${status}`, (answers.get(`${status}`) ?? 0) + 1);
    }
    console.log(`fuzz: ${corpus.length} requests; answers by status:`, Object.fromEntries(answers), `(200 = a corrupted input that still decodes)`);
    if (problems.length) console.log(`fuzz problems:\n${problems.join("\n")}`);
    expect(problems).toEqual([]);
    // Most corrupted images must actually be refused (a codec accepting everything would hide bugs).
    expect(decodedAnyway).toBeLessThan(corpus.filter((c) => c.expect === "error-or-ok").length / 2);
  });

  it("afterwards, a valid request (same pixels, new bytes: no cache hit) gets the same answer as before", async () => {
    const after = await validMatch(pngWithText(image1, "nonce", "after-fuzz-1"), pngWithText(image2, "nonce", "after-fuzz-2"));
    expect(after.cache).toEqual({ image1: "miss", image2: "miss" });
    expect(answer(after)).toEqual(answer(before));
    const health = (await (await SELF.fetch("http://localhost/v1/health")).json()) as Json;
    expect(health).toMatchObject({ status: "ok", model: { state: "ready" } });
  });
});
