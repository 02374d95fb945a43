// Spec §9 item 11: CRC32C, mask, and the exact protobuf bytes of a BundleEntryProto and a header.
import { describe, expect, it } from "vitest";
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from "../../../src/checkpoint/crc32c";
import { decodeBundleEntry, decodeBundleHeader } from "../../../src/checkpoint/bundle-messages";
import { encodeBundleEntry, encodeBundleHeader, float32Bytes } from "../../../src/checkpoint/write";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ascii = (s: string) => new TextEncoder().encode(s);

describe("CRC32C and mask (spec §9.11)", () => {
  it("matches the Castagnoli check values", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
  it("masks and unmasks", () => {
    expect(maskCrc(0xe3069283)).toBe(0xc78ab0e5);
    expect(maskCrc(0)).toBe(0xa282ead8);
    expect(unmaskCrc(0xc78ab0e5)).toBe(0xe3069283);
    expect(unmaskCrc(0xa282ead8)).toBe(0);
  });
  it("extends across chunk boundaries like a single pass (slicing-by-8 tail handling)", () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff);
    for (const cut of [0, 1, 7, 8, 9, 500, 999]) expect(crc32cExtend(crc32c(data.subarray(0, cut)), data.subarray(cut))).toBe(crc32c(data));
  });
  it("checks float32 [1, 2]", () => {
    const bytes = float32Bytes([1, 2]);
    expect(hex(bytes)).toBe("0000803f00000040");
    expect(crc32c(bytes)).toBe(0x28c0c9b1);
    expect(maskCrc(0x28c0c9b1)).toBe(0x35e53c59);
  });
});

describe("bundle protobufs (spec §9.11)", () => {
  it("encodes the BundleEntryProto of float32 [1, 2] byte for byte, and decodes it back", () => {
    const bytes = encodeBundleEntry({ dtype: 1, shape: [2], shardId: 0, offset: 0, size: 8, crc32c: 0x35e53c59 });
    expect(hex(bytes)).toBe("08011204120208022808" + "35593ce535");
    expect(decodeBundleEntry(Buffer.from("0801120412020802280835593ce535", "hex"), "t")).toEqual({
      dtype: 1, shape: { dims: [2], unknownRank: false }, shardId: 0, offset: 0, size: 8, crc32c: 0x35e53c59, sliceCount: 0,
    });
  });
  it("encodes the header {1 shard, LITTLE, producer 1} as 08 01 1a 02 08 01 and decodes it", () => {
    expect(hex(encodeBundleHeader(1))).toBe("08011a020801");
    expect(decodeBundleHeader(Buffer.from("08011a020801", "hex"))).toEqual({ numShards: 1, endianness: 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } });
  });
});
