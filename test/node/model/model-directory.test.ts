// The model directory reader: what it accepts and the exact reasons it refuses.
import { describe, expect, it } from "vitest";
import { buildModelDirectory, loadModelDirectory } from "../../../src/model/model-directory";
import { sha256Hex } from "../../../src/bytes";

const tensors = [
  { name: "a", shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  { name: "b", shape: [], values: Float32Array.from([7]) },
  { name: "c", shape: [4], values: Float32Array.from([8, 9, 10, 11]) },
];
const required = tensors.map(({ name, shape }) => ({ name, shape }));

async function directory(shardBytes = 16) {
  return buildModelDirectory(tensors, { trained: false, source: "test" }, shardBytes);
}

const reader = (files: Map<string, Uint8Array>) => async (path: string) => {
  const f = files.get(path);
  if (!f) throw new Error("no such file");
  return f;
};

describe("model directory", () => {
  it("reads back every tensor across shards (44 bytes in 16-byte shards)", async () => {
    const files = await directory();
    expect([...files.keys()].sort()).toEqual(["group1-shard1of3.bin", "group1-shard2of3.bin", "group1-shard3of3.bin", "model.json"]);
    const { tensors: map, manifest } = await loadModelDirectory(reader(files), required);
    expect(manifest.trained).toBe(false);
    expect(Array.from(map.get("a")!.values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(map.get("b")!.values)).toEqual([7]);
    expect(Array.from(map.get("c")!.values)).toEqual([8, 9, 10, 11]);
  });

  it("holds tensors as views on their shard; copies only those split between shards or misaligned", async () => {
    const files = await directory();
    const { tensors: map } = await loadModelDirectory(reader(files), required);
    // 16-byte shards: a = bytes 0–23 (shards 1–2), b = 24–27 (shard 2), c = 28–43 (shards 2–3).
    expect(map.get("b")!.values.buffer).toBe(files.get("group1-shard2of3.bin")!.buffer);
    for (const name of ["a", "c"]) expect([...files.values()].map((f) => f.buffer)).not.toContain(map.get(name)!.values.buffer);
    // Shards handed over at an odd byte offset: every tensor is copied, and still exact.
    const odd = async (path: string) => {
      const f = await reader(files)(path);
      const u = new Uint8Array(f.length + 1).subarray(1);
      u.set(f);
      return u;
    };
    const { tensors: copied } = await loadModelDirectory(odd, required);
    expect(Array.from(copied.get("a")!.values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(copied.get("b")!.values)).toEqual([7]);
    expect(Array.from(copied.get("c")!.values)).toEqual([8, 9, 10, 11]);
  });

  it("requests every shard of a group before the first one arrives", async () => {
    const files = await directory();
    const requested = new Set<string>();
    const slow = async (path: string) => {
      if (path === "model.json") return reader(files)(path);
      requested.add(path);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (requested.size !== 3) throw new Error(`only ${requested.size} of 3 shards requested`);
      return reader(files)(path);
    };
    const { tensors: map } = await loadModelDirectory(slow, required);
    expect(Array.from(map.get("c")!.values)).toEqual([8, 9, 10, 11]);
  });

  it("refuses a corrupt shard, a short shard, a long shard, a missing tensor", async () => {
    const corrupt = await directory();
    corrupt.get("group1-shard2of3.bin")![0] ^= 1;
    await expect(loadModelDirectory(reader(corrupt), required)).rejects.toThrow(/shard group1-shard2of3\.bin is corrupt: sha-256/);

    for (const [delta, message] of [[-4, /shards hold 40 bytes but the manifest describes 44/], [4, /more than the 44 bytes/]] as const) {
      const files = await directory();
      const last = files.get("group1-shard3of3.bin")!;
      const changed = delta < 0 ? last.slice(0, last.length + delta) : Uint8Array.from([...last, 0, 0, 0, 0]);
      files.set("group1-shard3of3.bin", changed);
      const manifest = JSON.parse(new TextDecoder().decode(files.get("model.json")));
      manifest.sha256["group1-shard3of3.bin"] = await sha256Hex(changed);
      files.set("model.json", new TextEncoder().encode(JSON.stringify(manifest)));
      await expect(loadModelDirectory(reader(files), required)).rejects.toThrow(message);
    }

    await expect(loadModelDirectory(reader(await directory()), [...required, { name: "d", shape: [1] }])).rejects.toThrow(/missing tensor d \[1\]/);

    // A shard that cannot be read is named, even while the others are still arriving.
    const missing = await directory();
    missing.delete("group1-shard3of3.bin");
    await expect(loadModelDirectory(reader(missing), required)).rejects.toThrow(/shard group1-shard3of3\.bin cannot be read: no such file/);
  });
});
