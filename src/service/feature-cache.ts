/**
 * Feature cache: key = SHA-256 of the image bytes + the extraction options + the model identity,
 * value = the FeatureSet JSON. A repeated image skips decoding and extraction.
 * The Worker uses the Workers Cache API (per data centre); Node uses an in-memory LRU.
 */
import { sha256Hex } from "../bytes";

export interface FeatureCache {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
}

export async function featureCacheKey(imageBytes: Uint8Array, options: unknown, modelSource: string): Promise<string> {
  return featureCacheKeyFromHash(await sha256Hex(imageBytes), options, modelSource);
}

/** The same key from the image's SHA-256 (hex), when it was hashed as it arrived (stream-hash.ts). */
export async function featureCacheKeyFromHash(imageSha256Hex: string, options: unknown, modelSource: string): Promise<string> {
  const optionsHash = await sha256Hex(new TextEncoder().encode(JSON.stringify({ options, modelSource })));
  return `${imageSha256Hex}-${optionsHash.slice(0, 32)}`;
}

/** Bounded in-memory LRU (Map keeps insertion order; a hit is re-inserted at the end). */
export class MemoryFeatureCache implements FeatureCache {
  private readonly entries = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  async get(key: string): Promise<string | undefined> {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  async put(key: string, value: string): Promise<void> {
    if (value.length > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= old.length;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.bytes += value.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.length;
    }
  }
}

/** Workers Cache API backed cache (entries expire after a day). */
export class WorkersFeatureCache implements FeatureCache {
  constructor(private readonly cache: Cache, private readonly ttlSeconds = 86_400) {}

  private url(key: string): string {
    return `https://feature-cache.delf-edge.internal/v1/${key}`;
  }

  async get(key: string): Promise<string | undefined> {
    const hit = await this.cache.match(this.url(key));
    return hit ? hit.text() : undefined;
  }

  async put(key: string, value: string): Promise<void> {
    await this.cache.put(
      this.url(key),
      new Response(value, { headers: { "content-type": "application/json", "cache-control": `max-age=${this.ttlSeconds}` } }),
    );
  }
}
