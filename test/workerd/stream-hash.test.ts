// Runs INSIDE workerd: the Worker's incremental hash (crypto.DigestStream) gives the same feature
// cache key as the whole buffer's crypto.subtle digest (test/node/service/stream-hash.test.ts for Node).
import { describe, expect, it } from "vitest";
import { digestStreamHash } from "../../src/service/stream-hash";
import { featureCacheKey, featureCacheKeyFromHash } from "../../src/service/feature-cache";
import { mulberry32 } from "../shared/prng";

describe("DigestStream cache key inside workerd", () => {
  it("pieces of random sizes give the whole buffer's key", async () => {
    const random = mulberry32(3);
    const bytes = Uint8Array.from({ length: 300_000 }, () => Math.floor(random() * 256));
    const hash = digestStreamHash();
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(random() * 70_000);
      await hash.update(bytes.slice(at, at + n));
      at += n;
    }
    const options = { fit: 256 };
    expect(await featureCacheKeyFromHash(await hash.hex(), options, "m")).toBe(await featureCacheKey(bytes, options, "m"));
  });
});
