// The cache key of a streamed image (hashed piece by piece as it arrives) must equal the key of the
// same bytes hashed whole, so a streamed upload and a base64 or CLI input share cache entries.
import { describe, expect, it } from "vitest";
import { featureCacheKey, featureCacheKeyFromHash } from "../../../src/service/feature-cache";
import { nodeStreamHash } from "../../../src/node-platform";
import { rng } from "../image/fixtures";

describe("incremental SHA-256 for the feature cache key", () => {
  it("pieces of random sizes give the whole buffer's key; one changed byte gives another", async () => {
    const random = rng(3);
    const bytes = Uint8Array.from({ length: 300_000 }, () => Math.floor(random() * 256));
    const options = { fit: 256, extract: { scales: [1] } };
    const hash = nodeStreamHash();
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + Math.floor(random() * 70_000);
      await hash.update(bytes.subarray(at, at + n));
      at += n;
    }
    const streamed = await featureCacheKeyFromHash(await hash.hex(), options, "synthetic:1|false");
    expect(streamed).toBe(await featureCacheKey(bytes, options, "synthetic:1|false"));
    bytes[123_456] ^= 1;
    expect(streamed).not.toBe(await featureCacheKey(bytes, options, "synthetic:1|false"));
  });
});
