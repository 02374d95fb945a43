// Optional API key (secret API_KEY → every /v1 request needs `Authorization: Bearer <key>`; without
// the secret the service is open) and the Workers Rate Limiting binding (RATE_LIMITER → 429 rate_limited).
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { createApp } from "../../../src/http/app";
import { workerPlatform } from "../../../src/worker-platform";
import { LIMITS } from "../../../src/service/limits";
import { PLAIN_FEATURES } from "../../shared/fuzz-corpus";

type Json = Record<string, any>;
const app = createApp(workerPlatform());
const KEY = "k3y-with-enough-entropy-0123456789";

const verifyBody = JSON.stringify({ features1: PLAIN_FEATURES, features2: PLAIN_FEATURES });
const requests: Array<[string, () => Request]> = [
  ["GET /v1/health", () => new Request("http://localhost/v1/health")],
  ["GET /v1/model", () => new Request("http://localhost/v1/model")],
  ["POST /v1/verify", () => new Request("http://localhost/v1/verify", { method: "POST", body: verifyBody, headers: { "content-type": "application/json" } })],
  ["POST /v1/match", () => new Request("http://localhost/v1/match", { method: "POST", body: "{}", headers: { "content-type": "application/json" } })],
  ["POST /v1/features", () => new Request("http://localhost/v1/features", { method: "POST", body: "{}", headers: { "content-type": "application/json" } })],
];

function withHeaders(req: Request, headers: Record<string, string>): Request {
  const copy = new Request(req);
  for (const [k, v] of Object.entries(headers)) copy.headers.set(k, v);
  return copy;
}

async function answer(req: Request, bindings: Record<string, unknown>) {
  const res = await app.fetch(req, { ...env, ...bindings });
  const body = (await res.json()) as Json;
  return { status: res.status, code: body.error?.code as string | undefined };
}

describe("API key", () => {
  it("with API_KEY set, every /v1 endpoint answers 401 unauthorized without the right bearer token", async () => {
    for (const [name, make] of requests) {
      for (const authorization of [undefined, "", `Bearer ${KEY}x`, `Bearer ${KEY.slice(0, -1)}`, "Bearer ", `Basic ${btoa(`user:${KEY}`)}`, KEY, `Token ${KEY}`]) {
        const req = authorization === undefined ? make() : withHeaders(make(), { authorization });
        expect({ name, authorization, ...(await answer(req, { API_KEY: KEY })) }).toEqual({ name, authorization, status: 401, code: "unauthorized" });
      }
    }
  });

  it("with the right token the request goes through", async () => {
    const ok = (make: () => Request) => answer(withHeaders(make(), { authorization: `Bearer ${KEY}` }), { API_KEY: KEY });
    expect((await ok(requests[0][1])).status).toBe(200);
    expect((await ok(requests[2][1])).status).toBe(200);
    // Past authentication, the usual validation answers.
    expect(await ok(requests[3][1])).toEqual({ status: 400, code: "invalid_request" });
  });

  it("an unauthenticated request is refused before its body is read (no 413, no parsing)", async () => {
    const big = new Request("http://localhost/v1/match", { method: "POST", body: new Uint8Array(LIMITS.maxBodyBytes + 1), headers: { "content-type": "application/json" } });
    expect(await answer(big, { API_KEY: KEY })).toEqual({ status: 401, code: "unauthorized" });
  });

  it("without API_KEY the service is open", async () => {
    for (const bindings of [{}, { API_KEY: "" }, { API_KEY: undefined }]) {
      expect((await answer(requests[0][1](), bindings)).status).toBe(200);
      expect((await answer(requests[2][1](), bindings)).status).toBe(200);
    }
  });
});

/** A fake of the Workers Rate Limiting binding: `limit` requests per key, records every call. */
function fakeLimiter(limit: number) {
  const counts = new Map<string, number>();
  const calls: string[] = [];
  return {
    calls,
    binding: {
      async limit({ key }: { key: string }) {
        calls.push(key);
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        return { success: n <= limit };
      },
    },
  };
}

describe("rate limiting (RATE_LIMITER binding)", () => {
  it("429 rate_limited once a client's budget is spent, per client IP; other clients unaffected", async () => {
    const limiter = fakeLimiter(3);
    const from = (ip: string) => withHeaders(requests[2][1](), { "cf-connecting-ip": ip });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await answer(from("203.0.113.7"), { RATE_LIMITER: limiter.binding })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(await answer(from("203.0.113.7"), { RATE_LIMITER: limiter.binding })).toEqual({ status: 429, code: "rate_limited" });
    expect((await answer(from("198.51.100.1"), { RATE_LIMITER: limiter.binding })).status).toBe(200);
    expect(limiter.calls.slice(0, 1)).toEqual(["203.0.113.7"]);
  });

  it("applies to every /v1 endpoint, not to the page; authentication comes first", async () => {
    const limiter = fakeLimiter(0);
    for (const [name, make] of requests) expect({ name, ...(await answer(make(), { RATE_LIMITER: limiter.binding })) }).toEqual({ name, status: 429, code: "rate_limited" });
    expect((await app.fetch(new Request("http://localhost/"), { ...env, RATE_LIMITER: limiter.binding })).status).toBe(200);
    const before = limiter.calls.length;
    expect(await answer(requests[0][1](), { RATE_LIMITER: limiter.binding, API_KEY: KEY })).toEqual({ status: 401, code: "unauthorized" });
    expect(limiter.calls.length).toBe(before);
  });

  it("without the binding there is no limit", async () => {
    for (let i = 0; i < 20; i++) expect((await answer(requests[2][1](), {})).status).toBe(200);
  });
});
