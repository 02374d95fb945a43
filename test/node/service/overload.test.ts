// A full extraction queue refuses new work with 503 overloaded + Retry-After (bounded memory),
// while requests that need no extraction still pass.
import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/http/app";
import { createNodeContext } from "../../../src/node-platform";
import { LIMITS } from "../../../src/service/limits";
import type { ServiceContext } from "../../../src/service/context";

describe("extraction queue bound", () => {
  it("answers 503 overloaded with Retry-After when maxQueuedJobs are waiting", async () => {
    const base = await createNodeContext("synthetic:1");
    const fullQueue = Object.create(base.queue, { depth: { value: LIMITS.maxQueuedJobs } });
    const busy: ServiceContext = { ...base, queue: fullQueue };
    const app = createApp({ context: async () => busy });
    const form = new FormData();
    form.append("image", new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])]), "x.png");
    const res = await app.fetch(new Request("http://x/v1/features", { method: "POST", body: form }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("overloaded");

    const plain = { locations: [[0, 0]], descriptors: [[1]] };
    const verify = await app.fetch(
      new Request("http://x/v1/verify", { method: "POST", body: JSON.stringify({ features1: plain, features2: plain }), headers: { "content-type": "application/json" } }),
    );
    expect(verify.status).toBe(200);
  });
});
