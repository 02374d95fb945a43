// The /v1 API inside workerd: every endpoint, every error code, and the promises between them
// (verify == match on the same features; a cache hit returns the same answer without extracting).
import { beforeAll, describe, expect, it } from "vitest";
import { SELF, env } from "cloudflare:test";
import { createApp } from "../../src/http/app";
import { workerPlatform } from "../../src/worker-platform";
import { decodeDelfFeatures } from "../../src/features/delf-protobuf";
import { FAST_OPTIONS, base64, multipart, pngBytes, scenePair } from "./helpers";
import { scene } from "../shared/synthetic-images";

type Json = Record<string, any>;

async function post(path: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`http://localhost${path}`, { method: "POST", body, headers });
}

async function expectError(res: Response, status: number, code: string): Promise<Json> {
  const body = (await res.json()) as Json;
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(5);
  return body;
}

let image1: Uint8Array;
let image2: Uint8Array;
let matchJson: Json;

beforeAll(async () => {
  [image1, image2] = await scenePair();
  const res = await post("/v1/match", multipart({ image1, image2, options: JSON.stringify(FAST_OPTIONS) }));
  matchJson = (await res.json()) as Json;
  if (res.status !== 200) throw new Error(`match failed: ${JSON.stringify(matchJson)}`);
});

describe("GET endpoints", () => {
  it("/v1/health reports the live engine and says the weights are synthetic", async () => {
    const res = await SELF.fetch("http://localhost/v1/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ status: "ok", backend: "wasm", simd: true, kernels: "assemblyscript", version: "0.1.0" });
    expect(body.model).toMatchObject({ state: "ready", trained: false, source: "synthetic:1" });
    expect(body.model.warning).toMatch(/synthetic/);
  });

  it("/v1/model describes the served model", async () => {
    const body = (await (await SELF.fetch("http://localhost/v1/model")).json()) as Json;
    expect(body).toMatchObject({ name: "delf-v1", state: "ready", trained: false, source: "synthetic:1" });
    expect(body.tensorCount).toBeGreaterThanOrEqual(222);
    expect(body.loadMs).toBeGreaterThanOrEqual(0);
  });

  it("/openapi.json documents every endpoint from the validation schemas", async () => {
    const doc = (await (await SELF.fetch("http://localhost/openapi.json")).json()) as Json;
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/v1/features", "/v1/health", "/v1/index", "/v1/index/batch", "/v1/index/{id}", "/v1/jobs/{job}", "/v1/match", "/v1/model", "/v1/search", "/v1/verify",
    ]);
    const matchBody = doc.paths["/v1/match"].post.requestBody.content;
    expect(Object.keys(matchBody).sort()).toEqual(["application/json", "multipart/form-data"]);
    expect(JSON.stringify(matchBody["application/json"])).toContain("scoreThreshold");
  });

  it("/ serves the page with the image pickers and the Match button", async () => {
    const res = await SELF.fetch("http://localhost/");
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('id="image1"');
    expect(html).toContain('id="image2"');
    expect(html).toMatch(/<button[^>]*>Match<\/button>/);
  });

  it("unknown routes are 404 not_found JSON", async () => {
    await expectError(await SELF.fetch("http://localhost/v2/nothing"), 404, "not_found");
  });
});

describe("POST /v1/match", () => {
  it("answers the documented shape, in original-image pixels, marked untrained", () => {
    expect(matchJson.model).toEqual({ name: "delf-v1", trained: false, source: "synthetic:1" });
    expect(matchJson.image1).toMatchObject({ width: 192, height: 160, processed: { width: 192, height: 160, fit: "none" } });
    expect(matchJson.image1.numFeatures).toBeGreaterThan(0);
    expect(matchJson.numPutative).toBe(matchJson.matches.length);
    expect(matchJson.numInliers).toBe(matchJson.matches.filter((m: Json) => m.inlier).length);
    for (const m of matchJson.matches) {
      expect(m.p1[0]).toBeGreaterThanOrEqual(0);
      expect(m.p1[0]).toBeLessThan(192);
      expect(m.distance).toBeLessThan(0.8);
    }
    expect(Object.keys(matchJson.timingsMs).sort()).toEqual(["decode", "extract1", "extract2", "match", "ransac", "total"]);
    expect(matchJson.cache).toEqual({ image1: "miss", image2: "miss" });
  });

  it("a repeated request hits the feature cache and gives the same answer", async () => {
    const res = await post("/v1/match", multipart({ image1, image2, options: JSON.stringify(FAST_OPTIONS) }));
    const again = (await res.json()) as Json;
    expect(again.cache).toEqual({ image1: "hit", image2: "hit" });
    expect(again.timingsMs.extract1).toBe(0);
    expect(again.timingsMs.extract2).toBe(0);
    expect({ ...again, timingsMs: 0, cache: 0 }).toEqual({ ...matchJson, timingsMs: 0, cache: 0 });
    expect(res.headers.get("server-timing")).toMatch(/extract1;dur=0/);
  });

  it("JSON with base64 images gives the same answer as multipart", async () => {
    const res = await post(
      "/v1/match",
      JSON.stringify({ image1: { base64: base64(image1) }, image2: { base64: base64(image2) }, options: FAST_OPTIONS }),
      { "content-type": "application/json" },
    );
    const body = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(body.matches).toEqual(matchJson.matches);
    expect(body.transform).toEqual(matchJson.transform);
  });

  it("format=svg draws both images and one line per inlier", async () => {
    const res = await post("/v1/match?format=svg", multipart({ image1, image2, options: JSON.stringify(FAST_OPTIONS) }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const svg = await res.text();
    expect(svg.match(/<image /g)?.length).toBe(2);
    expect(svg.match(/class="inlier"/g)?.length ?? 0).toBe(matchJson.numInliers);
    expect(svg).toContain(`width="${192 * 2}"`);
  });
});

describe("POST /v1/features and /v1/verify", () => {
  it("verify on the features of /v1/features reproduces /v1/match exactly", async () => {
    const features = async (image: Uint8Array) => {
      const res = await post("/v1/features", multipart({ image, options: JSON.stringify(FAST_OPTIONS) }));
      expect(res.status).toBe(200);
      return (await res.json()) as Json;
    };
    const [f1, f2] = [await features(image1), await features(image2)];
    expect(f1.descriptors.shape).toEqual([f1.numFeatures, 40]);
    expect(f1.locations.length).toBe(f1.numFeatures);
    const res = await post("/v1/verify", JSON.stringify({ features1: f1, features2: f2 }), { "content-type": "application/json" });
    const verified = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(verified.matches).toEqual(matchJson.matches);
    expect(verified.numInliers).toBe(matchJson.numInliers);
    expect(verified.transform).toEqual(matchJson.transform);
  });

  it("format=delf returns DELF's protobuf; verify accepts two .delf files", async () => {
    const delf = async (image: Uint8Array) => {
      const res = await post("/v1/features?format=delf", multipart({ image, options: JSON.stringify(FAST_OPTIONS) }));
      expect(res.headers.get("content-type")).toBe("application/octet-stream");
      return new Uint8Array(await res.arrayBuffer());
    };
    const [d1, d2] = [await delf(image1), await delf(image2)];
    const parsed = decodeDelfFeatures(d1);
    expect(parsed.count).toBe(matchJson.image1.numFeatures);
    expect(parsed.dim).toBe(40);
    const res = await post("/v1/verify", multipart({ features1: d1, features2: d2 }));
    const body = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(body.numPutative).toBe(matchJson.numPutative);
    expect(body.numInliers).toBe(matchJson.numInliers);
  });

  it("verify accepts the plain CLI form and answers 200 with 0 inliers for too few matches", async () => {
    const plain = { locations: [[1, 2]], descriptors: [[1, 0, 0]] };
    const res = await post("/v1/verify", JSON.stringify({ features1: plain, features2: plain }), { "content-type": "application/json" });
    const body = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ numPutative: 1, numInliers: 0, transform: null });
    expect(body.matches).toEqual([{ p1: [1, 2], p2: [1, 2], distance: 0, inlier: false }]);
  });
});

describe("errors", () => {
  const json = { "content-type": "application/json" };

  it("400 invalid_options for nonsense options", async () => {
    for (const options of [{ scales: [-1] }, { scoreThreshold: "high" }, { maxFeatures: 1e9 }, { scales: new Array(100).fill(1) }, { ransac: { maxTrials: 0 } }, { bogus: 1 }]) {
      const res = await post("/v1/match", multipart({ image1, image2, options: JSON.stringify(options) }));
      await expectError(res, 400, "invalid_options");
    }
    await expectError(await post("/v1/features?format=xml", multipart({ image: image1 })), 400, "invalid_options");
  });

  it("400 invalid_json and invalid_request for malformed bodies", async () => {
    await expectError(await post("/v1/match", "{not json", json), 400, "invalid_json");
    await expectError(await post("/v1/match", JSON.stringify({ image1: { base64: "AA==" } }), json), 400, "invalid_request");
    await expectError(await post("/v1/match", multipart({ image1 })), 400, "invalid_request");
    await expectError(await post("/v1/match", JSON.stringify({ image1: { base64: "%%%" }, image2: { base64: "%%%" } }), json), 400, "invalid_request");
    await expectError(await post("/v1/match", JSON.stringify({ image1: { url: "ftp://x/y.png" }, image2: { url: "file:///etc/passwd" } }), json), 400, "invalid_request");
  });

  it("400 image_decode_failed for a truncated PNG, 415 for something that is no image", async () => {
    await expectError(await post("/v1/features", multipart({ image: image1.subarray(0, 200) })), 400, "image_decode_failed");
    await expectError(await post("/v1/features", multipart({ image: new TextEncoder().encode("GIF89a......") })), 415, "unsupported_media_type");
    await expectError(await post("/v1/match", "image", { "content-type": "text/plain" }), 415, "unsupported_media_type");
  });

  it("413 image_too_large from the header of a huge PNG with a tiny body; 413 for a pyramid too big", async () => {
    const huge = image1.slice(0, 64);
    new DataView(huge.buffer).setUint32(16, 100_000);
    new DataView(huge.buffer).setUint32(20, 100_000);
    await expectError(await post("/v1/features", multipart({ image: huge })), 413, "image_too_large");
    const big = await pngBytes(scene(400, 300));
    const res = await post("/v1/features", multipart({ image: big, options: JSON.stringify({ fit: "none", scales: [2.0] }) }));
    const body = await expectError(res, 413, "image_too_large");
    expect(body.error.message).toMatch(/dropLargeScales/);
    const dropped = await post("/v1/features", multipart({ image: big, options: JSON.stringify({ fit: "none", scales: [0.5, 2.0], dropLargeScales: true }) }));
    expect(dropped.status).toBe(200);
  });

  it("413 payload_too_large for a body over the limit", async () => {
    const res = await post("/v1/match", new Uint8Array(25 * 1024 * 1024), { "content-type": "application/json" });
    await expectError(res, 413, "payload_too_large");
  });

  it("503 model_unavailable without a model, while verify and health keep working", async () => {
    const app = createApp(workerPlatform());
    const noModel = { ...env, MODEL_FALLBACK: undefined };
    const res = await app.fetch(new Request("http://localhost/v1/features", { method: "POST", body: multipart({ image: image1 }) }), noModel);
    const body = await expectError(res, 503, "model_unavailable");
    expect(body.error.message).toMatch(/model-assets\/model\/model\.json/);
    const health = (await (await app.fetch(new Request("http://localhost/v1/health"), noModel)).json()) as Json;
    expect(health.status).toBe("ok");
    expect(health.model.state).toBe("unavailable");
    const plain = { locations: [[0, 0]], descriptors: [[1]] };
    const verify = await app.fetch(
      new Request("http://localhost/v1/verify", { method: "POST", body: JSON.stringify({ features1: plain, features2: plain }), headers: json }),
      noModel,
    );
    expect(verify.status).toBe(200);
  });

  it("401 unauthorized when API_KEY is set and the bearer token is missing or wrong", async () => {
    const app = createApp(workerPlatform());
    const keyed = { ...env, API_KEY: "s3cret" };
    await expectError(await app.fetch(new Request("http://localhost/v1/health"), keyed), 401, "unauthorized");
    await expectError(await app.fetch(new Request("http://localhost/v1/health", { headers: { authorization: "Bearer nope" } }), keyed), 401, "unauthorized");
    const ok = await app.fetch(new Request("http://localhost/v1/health", { headers: { authorization: "Bearer s3cret" } }), keyed);
    expect(ok.status).toBe(200);
  });
});
