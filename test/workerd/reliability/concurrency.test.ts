// 50 different /v1/match requests sent at once into one isolate give exactly the answers the same
// requests give one by one. tfjs (one engine, one heap) and the kernels (one arena) are global
// state; the service serialises work on them on purpose (src/service/serial-queue.ts).
// Both runs extract cold: the sequential run uses the same pixels in different bytes (an extra
// PNG text chunk), so it cannot be served from the feature cache the concurrent run filled.
import { beforeAll, describe, expect, it } from "vitest";
import { SELF } from "cloudflare:test";
import { multipart, pngBytes } from "../helpers";
import { crop, scene } from "../../shared/synthetic-images";
import { pngWithText } from "../../shared/fuzz-corpus";

type Json = Record<string, any>;
const COUNT = 50;
const MATCHERS = ["nn", "mnn", "ratio"] as const;

interface MatchCase {
  image1: number;
  image2: number;
  options: Json;
}

/** 50 requests over 8 views of one scene; matcher, distance and RANSAC seed vary too. */
const cases: MatchCase[] = Array.from({ length: COUNT }, (_, i) => ({
  image1: i % 8,
  image2: (3 * i + 1) % 8,
  options: {
    fit: "none",
    scales: [1.0],
    scoreThreshold: 0,
    maxFeatures: 120,
    matcher: MATCHERS[i % 3],
    distance: [0.8, 0.6, 1.0][Math.floor(i / 3) % 3],
    ransac: { seed: 1000 + i, maxTrials: 200 + 10 * i, residual: 10 + (i % 4) * 5 },
  },
}));

function answer(body: Json): Json {
  const { timingsMs: _t, cache: _c, ...rest } = body;
  return rest;
}

async function match(image1: Uint8Array, image2: Uint8Array, options: Json): Promise<{ status: number; body: Json }> {
  const res = await SELF.fetch("http://localhost/v1/match", { method: "POST", body: multipart({ image1, image2, options: JSON.stringify(options) }) });
  return { status: res.status, body: (await res.json()) as Json };
}

describe("concurrency", () => {
  let views: Uint8Array[];

  beforeAll(async () => {
    const s = scene(200, 160, 5);
    views = await Promise.all(Array.from({ length: 8 }, (_, v) => pngBytes(crop(s, 8 + 12 * v, 6 + 9 * (v % 5), 80, 64))));
  });

  it(`${COUNT} concurrent /v1/match requests give exactly the answers of the same requests run one by one`, async () => {
    const concurrent = await Promise.all(cases.map((c) => match(views[c.image1], views[c.image2], c.options)));
    const sequential = [];
    for (const [i, c] of cases.entries()) {
      const variant = (v: number) => pngWithText(views[v], "variant", `sequential-${i}`);
      sequential.push(await match(variant(c.image1), variant(c.image2), c.options));
    }
    expect(concurrent.map((r) => r.status)).toEqual(new Array(COUNT).fill(200));
    expect(sequential.map((r) => r.status)).toEqual(new Array(COUNT).fill(200));
    expect(sequential.every((r) => r.body.cache.image1 === "miss" && r.body.cache.image2 === "miss")).toBe(true);
    expect(concurrent.map((r) => answer(r.body))).toEqual(sequential.map((r) => answer(r.body)));
    // The requests really differ (not 50 copies of one answer), and some find a transform.
    expect(new Set(concurrent.map((r) => JSON.stringify(answer(r.body)))).size).toBeGreaterThanOrEqual(15);
    expect(concurrent.filter((r) => r.body.numInliers > 0).length).toBeGreaterThan(0);
    console.log(`concurrency: ${COUNT} requests, inliers per request: ${concurrent.map((r) => r.body.numInliers).join(",")}`);
  });
});
