// Large photos through the real app (Node platform): a 24 MP JPEG by {"url"} from a loopback server,
// then bad large inputs with their stable 4xx codes, then the same good request answered again.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../src/http/app";
import { createNodeContext } from "../../../src/node-platform";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node.js";
import { decodeImage } from "../../../src/image/decode";
import { upscaleToRgba } from "../../shared/large-images";
import { haveShared, readShared, toCameraJpeg } from "../image/fixtures";

type Json = Record<string, any>;

describe.skipIf(!haveShared)("24 MP photos through /v1/match", () => {
  let server: Server;
  let base = "";
  const files = new Map<string, Uint8Array>();
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    const modules = await loadNodeWasmModules();
    for (const i of [1, 2]) {
      const src = (await decodeImage(await readShared(`pairs/graf/img${i}.png`), modules)).pixels;
      files.set(`/img${i}.jpg`, await toCameraJpeg(upscaleToRgba(src, 6000, 4000, 6, i), 90));
    }
    server = createServer((req, res) => {
      const body = files.get(req.url ?? "");
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const context = await createNodeContext("synthetic:1");
    app = createApp({ context: async () => context });
  }, 120_000);
  afterAll(() => server?.close());

  async function matchUrls(): Promise<{ status: number; body: Json }> {
    const res = await app.fetch(
      new Request("http://x/v1/match", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ image1: { url: `${base}/img1.jpg` }, image2: { url: `${base}/img2.jpg` } }),
      }),
    );
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function features(image: Uint8Array): Promise<{ status: number; code?: string }> {
    const form = new FormData();
    form.append("image", new Blob([image as Uint8Array<ArrayBuffer>]), "i");
    const res = await app.fetch(new Request("http://x/v1/features", { method: "POST", body: form }));
    return { status: res.status, code: ((await res.json()) as Json).error?.code };
  }

  it("answers 200 for two 24 MP JPEG URLs, reporting the original size; bad large inputs get their 4xx; the next request is answered the same", async () => {
    const first = await matchUrls();
    expect(first.status).toBe(200);
    expect(first.body.image1).toMatchObject({ width: 6000, height: 4000, processed: { width: 256, height: 256, fit: 256 } });
    expect(first.body.numInliers).toBeGreaterThanOrEqual(0);
    // Points are reported in the 6000×4000 frame: inside the centred 4000×4000 crop.
    for (const m of first.body.matches as Array<{ p1: [number, number] }>) {
      expect(m.p1[0]).toBeGreaterThanOrEqual(999);
      expect(m.p1[0]).toBeLessThanOrEqual(5001);
    }

    const jpeg = files.get("/img1.jpg")!;
    expect(await features(jpeg.subarray(0, jpeg.length >> 1))).toEqual({ status: 400, code: "image_decode_failed" });
    const sof = [0xff, 0xc0, 0, 17, 8, 10000 >> 8, 10000 & 255, 10000 >> 8, 10000 & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    const sos = [0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0];
    expect(await features(new Uint8Array([0xff, 0xd8, ...sof, ...sos]))).toEqual({ status: 413, code: "image_too_large" });
    const ihdr = [0, 0, 0x17, 0x70, 0, 0, 0x0f, 0xa0, 8, 2, 0, 0, 0]; // 6000×4000 RGB
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
      0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, ...ihdr, 0, 0, 0, 0,
      0, 0, 0, 64, 0x49, 0x44, 0x41, 0x54, ...Array.from({ length: 64 }, (_, i) => (i * 151) & 255), 0, 0, 0, 0,
      0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]);
    expect(await features(png)).toEqual({ status: 400, code: "image_decode_failed" });

    const again = await matchUrls();
    expect(again.status).toBe(200);
    expect(again.body.numInliers).toBe(first.body.numInliers);
    expect(again.body.image2).toEqual(first.body.image2);
  }, 300_000);
});
