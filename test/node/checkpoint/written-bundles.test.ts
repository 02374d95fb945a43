// Bundles written by the test itself: block structure, shards, every dtype, and the failure modes.
import { describe, expect, it } from "vitest";
import { checkTensor, readBundleIndex, readFloat32Tensor, readTensorValues } from "../../../src/checkpoint/bundle";
import { DT } from "../../../src/checkpoint/dtypes";
import { CheckpointError } from "../../../src/checkpoint/errors";
import { readBlock, readBlockEntries, readFooter, readTable, tableBlocks } from "../../../src/checkpoint/table";
import { float32Bytes, writeBundle, writeTable, type TensorToWrite } from "../../../src/checkpoint/write";

const enc = new TextEncoder();
const dec = new TextDecoder();

function thrown(fn: () => unknown): CheckpointError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CheckpointError) return error;
    throw error;
  }
  throw new Error("expected a CheckpointError");
}

/** 300 tensors whose names share long prefixes (like TF-slim scopes). */
const MANY: TensorToWrite[] = Array.from({ length: 300 }, (_, i) => ({
  name: `resnet_v1_50/block${1 + (i % 3)}/unit_${i}/bottleneck_v1/conv${1 + (i % 3)}/weights`,
  dtype: DT.FLOAT,
  shape: [2],
  bytes: float32Bytes([i, -i / 4]),
}));

describe("table structure", () => {
  it("several data blocks, restart points every 16 keys, shared prefixes; keys come back sorted and whole", () => {
    const { index, shards } = writeBundle(MANY, { blockSize: 4096 });
    const blocks = tableBlocks(index);
    expect(blocks.length).toBeGreaterThan(4); // index block + ≥ 4 data blocks
    const first = readBlock(index, blocks[1].handle, "data block 0");
    const restarts = new DataView(first.buffer, first.byteOffset).getUint32(first.length - 4, true);
    expect(restarts).toBeGreaterThan(1);
    // Prefix compression is real: the block is much smaller than its keys written out in full.
    const entries = readBlockEntries(first, "data block 0");
    const fullKeyBytes = entries.reduce((n, e) => n + e.key.length, 0);
    expect(first.length).toBeLessThan(fullKeyBytes);
    const bundle = readBundleIndex(index);
    const names = MANY.map((t) => t.name).sort();
    expect(bundle.tensors.map((t) => t.name)).toEqual(names);
    for (const t of bundle.tensors) {
      const i = Number(/unit_(\d+)/.exec(t.name)![1]);
      expect(Array.from(readFloat32Tensor(bundle, t, shards))).toEqual([i, -i / 4]);
    }
  });

  it("snappy-compressed data blocks read back identically", () => {
    const entries = Array.from({ length: 200 }, (_, i) => ({ key: enc.encode(`key/${String(i).padStart(4, "0")}`), value: enc.encode(`value ${i % 7}`.repeat(5)) }));
    const raw = readTable(writeTable(entries, { blockSize: 512 }));
    const snappyFile = writeTable(entries, { blockSize: 512, compression: 1 });
    expect(tableBlocks(snappyFile).slice(1).every((b) => b.compression === 1)).toBe(true);
    const snappy = readTable(snappyFile);
    expect(snappy.map((e) => dec.decode(e.key) + "=" + dec.decode(e.value))).toEqual(raw.map((e) => dec.decode(e.key) + "=" + dec.decode(e.value)));
    expect(dec.decode(snappy[199].value)).toBe("value 3".repeat(5));
  });
});

describe("tensors", () => {
  const tensors: TensorToWrite[] = [
    { name: "scalar", dtype: DT.FLOAT, shape: [], bytes: float32Bytes([7.25]) },
    { name: "empty", dtype: DT.FLOAT, shape: [0, 3], bytes: new Uint8Array(0) },
    { name: "f64", dtype: DT.DOUBLE, shape: [2], bytes: new Uint8Array(new Float64Array([0.1, -2]).buffer) },
    { name: "i32", dtype: DT.INT32, shape: [2], bytes: new Uint8Array(new Int32Array([-5, 2147483647]).buffer) },
    { name: "i64", dtype: DT.INT64, shape: [3], bytes: new Uint8Array(new BigInt64Array([-3n, 2n ** 53n - 1n, 2n ** 62n]).buffer) },
    { name: "u8", dtype: DT.UINT8, shape: [2], bytes: Uint8Array.of(0, 255) },
    { name: "i8", dtype: DT.INT8, shape: [2], bytes: Uint8Array.of(0x80, 0x7f) },
    { name: "i16", dtype: DT.INT16, shape: [2], bytes: new Uint8Array(new Int16Array([-32768, 12345]).buffer) },
    { name: "bool", dtype: DT.BOOL, shape: [3], bytes: Uint8Array.of(1, 0, 1) },
    // float16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 0x0001 = 2^-24
    { name: "half", dtype: DT.HALF, shape: [4], bytes: new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]).buffer) },
    // bfloat16: 1.0 = 0x3f80, -0.5 = 0xbf00, 3.140625 = 0x4049
    { name: "bf16", dtype: DT.BFLOAT16, shape: [3], bytes: new Uint8Array(new Uint16Array([0x3f80, 0xbf00, 0x4049]).buffer) },
    { name: "str", dtype: DT.STRING, shape: [3], strings: [enc.encode("alpha"), new Uint8Array(0), enc.encode("é".repeat(100))] },
  ];

  it("round-trips every dtype over two shards, incl. a scalar, an empty tensor and a string tensor", () => {
    const { index, shards } = writeBundle(tensors, { numShards: 2 });
    expect(shards.length).toBe(2);
    expect(shards.every((s) => s.length > 0)).toBe(true);
    const bundle = readBundleIndex(index);
    expect(bundle.header.numShards).toBe(2);
    expect(new Set(bundle.tensors.map((t) => t.entry.shardId))).toEqual(new Set([0, 1]));
    const values = Object.fromEntries(bundle.tensors.map((t) => [t.name, readTensorValues(bundle, t, shards)]));
    expect(values).toEqual({
      scalar: [7.25],
      empty: [],
      f64: [0.1, -2],
      i32: [-5, 2147483647],
      i64: [-3, 9007199254740991, "4611686018427387904"],
      u8: [0, 255],
      i8: [-128, 127],
      i16: [-32768, 12345],
      bool: [1, 0, 1],
      half: [1, -2, 65504, 2 ** -24],
      bf16: [1, -0.5, 3.140625],
      str: ["alpha", "", "é".repeat(100)],
    });
    expect(bundle.byName.get("scalar")!.shape).toEqual([]);
    expect(bundle.byName.get("empty")!.entry.size).toBe(0);
    expect(bundle.tensors.every((t) => checkTensor(t, shards))).toBe(true);
  });

  it("a flipped data byte → CRC error naming the tensor", () => {
    const { index, shards } = writeBundle(tensors.slice(0, 5));
    const bundle = readBundleIndex(index);
    const target = bundle.byName.get("i32")!;
    const corrupt = shards[0].slice();
    corrupt[target.entry.offset + 3] ^= 0x10;
    expect(checkTensor(target, [corrupt])).toBe(false);
    expect(checkTensor(bundle.byName.get("f64")!, [corrupt])).toBe(true);
    const error = thrown(() => readTensorValues(bundle, target, [corrupt]));
    expect(error.code).toBe("corrupt");
    expect(error.message).toMatch(/^tensor i32: CRC32C mismatch/);
  });

  it("a truncated data shard → error naming the tensor", () => {
    const { index, shards } = writeBundle([{ name: "w", dtype: DT.FLOAT, shape: [4], bytes: float32Bytes([1, 2, 3, 4]) }]);
    const bundle = readBundleIndex(index);
    const error = thrown(() => readTensorValues(bundle, bundle.tensors[0], [shards[0].subarray(0, 10)]));
    expect(error.code).toBe("corrupt");
    expect(error.message).toContain("tensor w: bytes [0, 16) lie beyond the end of data shard 0");
  });
});

describe("corrupt index files", () => {
  const { index } = writeBundle(MANY.slice(0, 40), { blockSize: 256 });

  it("a truncated index → clear error", () => {
    for (const length of [index.length - 1, index.length - 60, 20]) {
      const error = thrown(() => readBundleIndex(index.subarray(0, length)));
      expect(error.code).toBe("corrupt");
      expect(error.message).toMatch(/truncated/);
    }
  });

  it("a flipped byte inside a block → block CRC error; a bad magic → magic error", () => {
    const flipped = index.slice();
    flipped[3] ^= 0x01;
    expect(thrown(() => readBundleIndex(flipped)).message).toMatch(/^data block 0 at offset 0: block CRC32C mismatch/);
    const badMagic = index.slice();
    badMagic[badMagic.length - 1] ^= 0xff;
    expect(thrown(() => readFooter(badMagic)).message).toMatch(/no table magic/);
  });

  it("an index without the header entry → error", () => {
    const table = writeTable([{ key: enc.encode("a"), value: new Uint8Array(0) }]);
    expect(thrown(() => readBundleIndex(table)).message).toBe("index has no bundle header (its first key must be empty)");
  });
});
