// A model directory served through a fake Static Assets binding: intact, it loads; a missing shard,
// a shard whose sha-256 does not match, or a broken manifest gives 503 model_unavailable on the
// extraction endpoints, while /v1/verify and /v1/health keep working and health says what is wrong.
// MODEL_FALLBACK=synthetic:1 is set in this env: a broken deployed model must NOT fall back to it.
import { beforeAll, describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { createApp } from "../../../src/http/app";
import { workerPlatform } from "../../../src/worker-platform";
import { buildModelDirectory } from "../../../src/model/model-directory";
import { syntheticModelTensors } from "../../../src/delf/synthetic";
import { multipartBody, FUZZ_BOUNDARY, PLAIN_FEATURES, TINY_EXTRACTION, defaultFuzzSeeds } from "../../shared/fuzz-corpus";

type Json = Record<string, any>;
const seeds = defaultFuzzSeeds();

/** A Fetcher that serves `files` under /model/ as Static Assets would, 404 otherwise. */
function fakeAssets(files: Map<string, Uint8Array>): Fetcher {
  return {
    async fetch(input: RequestInfo | URL) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const file = url.pathname.startsWith("/model/") ? files.get(url.pathname.slice("/model/".length)) : undefined;
      return file ? new Response(file as Uint8Array<ArrayBuffer>) : new Response("Not Found", { status: 404 });
    },
    connect() {
      throw new Error("not supported");
    },
  } as unknown as Fetcher;
}

async function serve(files: Map<string, Uint8Array>) {
  const app = createApp(workerPlatform());
  const bindings = { ...env, ASSETS: fakeAssets(files) };
  const call = async (path: string, init?: RequestInit) => {
    const res = await app.fetch(new Request(`http://localhost${path}`, init), bindings);
    return { status: res.status, body: (await res.json()) as Json };
  };
  const multipart = (parts: Parameters<typeof multipartBody>[0]) => ({
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${FUZZ_BOUNDARY}` },
    body: multipartBody(parts) as Uint8Array<ArrayBuffer>,
  });
  return {
    health: () => call("/v1/health"),
    model: () => call("/v1/model"),
    features: () => call("/v1/features", multipart([{ name: "image", value: seeds.png, filename: "a.png" }, { name: "options", value: JSON.stringify(TINY_EXTRACTION) }])),
    match: () =>
      call("/v1/match", multipart([
        { name: "image1", value: seeds.png, filename: "a.png" },
        { name: "image2", value: seeds.jpeg, filename: "b.jpg" },
        { name: "options", value: JSON.stringify(TINY_EXTRACTION) },
      ])),
    verify: () =>
      call("/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ features1: PLAIN_FEATURES, features2: PLAIN_FEATURES }) }),
  };
}

let intact: Map<string, Uint8Array>;
let shards: string[];

beforeAll(async () => {
  // 1 MiB shards, so the synthetic model spans many files.
  intact = await buildModelDirectory(syntheticModelTensors(1), { trained: false, source: "integrity-test" }, 1 << 20);
  shards = [...intact.keys()].filter((name) => name.endsWith(".bin"));
});

describe("model integrity", () => {
  it("an intact directory served through ASSETS loads (not the synthetic fallback)", async () => {
    const api = await serve(intact);
    const model = await api.model();
    expect(model.status).toBe(200);
    expect(model.body).toMatchObject({ name: "delf-v1", state: "ready", source: "integrity-test", trained: false });
    expect(shards.length).toBeGreaterThan(5);
  });

  const broken: Array<[string, (files: Map<string, Uint8Array>) => void, RegExp]> = [
    ["a missing shard", (files) => files.delete(shards[3]), /shard group1-shard4of\d+\.bin cannot be read: .*HTTP 404/],
    [
      "a corrupted shard (one flipped bit)",
      (files) => {
        const bytes = files.get(shards[2])!.slice();
        bytes[12345] ^= 0x10;
        files.set(shards[2], bytes);
      },
      /corrupt: sha-256 [0-9a-f]{64} does not match [0-9a-f]{64}/,
    ],
    ["a truncated shard", (files) => files.set(shards[1], files.get(shards[1])!.subarray(0, 1000)), /corrupt: sha-256/],
    ["a manifest that is not JSON", (files) => files.set("model.json", new TextEncoder().encode("{ not json")), /model\.json is not valid JSON/],
    ["a manifest without checksums", (files) => {
      const manifest = JSON.parse(new TextDecoder().decode(files.get("model.json")));
      delete manifest.sha256;
      files.set("model.json", new TextEncoder().encode(JSON.stringify(manifest)));
    }, /no sha256/],
  ];

  for (const [what, breakIt, reason] of broken) {
    it(`${what}: 503 model_unavailable for extraction; verify and health keep working; health says why`, async () => {
      const files = new Map(intact);
      breakIt(files);
      const api = await serve(files);
      const health = await api.health();
      expect(health.status).toBe(200);
      expect(health.body.status).toBe("ok");
      expect(health.body.model.state).toBe("unavailable");
      expect(health.body.model.reason).toMatch(reason);
      for (const response of [await api.features(), await api.match(), await api.model()]) {
        expect(response.status).toBe(503);
        if (response.body.error) expect(response.body.error).toMatchObject({ code: "model_unavailable", message: health.body.model.reason });
      }
      const verify = await api.verify();
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ numPutative: 4, model: null });
    });
  }
});
