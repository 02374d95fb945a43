/**
 * BundleHeaderProto, BundleEntryProto and TensorShapeProto (tensorflow/core/protobuf/tensor_bundle.proto,
 * spec §8.3). proto3: absent fields are 0.
 */
import { decodeMessage, readInt64, WIRE_BYTES, type ProtoReader } from "./proto";

export interface BundleHeader {
  numShards: number;
  /** 0 = little-endian, 1 = big-endian. */
  endianness: number;
  version: { producer: number; minConsumer: number; badConsumers: number[] };
}

export interface TensorShape {
  /** -1 for an unknown dimension. */
  dims: number[];
  unknownRank: boolean;
}

export interface BundleEntry {
  dtype: number;
  shape: TensorShape;
  shardId: number;
  offset: number;
  size: number;
  /** Masked CRC32C of the tensor's bytes, as stored. */
  crc32c: number;
  /** Number of TensorSliceProto entries (non-zero = partitioned variable). */
  sliceCount: number;
}

export function decodeTensorShape(bytes: Uint8Array): TensorShape {
  const shape: TensorShape = { dims: [], unknownRank: false };
  decodeMessage(bytes, "TensorShapeProto", (field, _wire, r) => {
    if (field === 2) {
      let size = 0;
      decodeMessage(r.bytes(), "TensorShapeProto.Dim", (f, _w, dr) => {
        if (f !== 1) return false;
        size = readInt64(dr);
      });
      shape.dims.push(size);
    } else if (field === 3) shape.unknownRank = r.bool();
    else return false;
  });
  return shape;
}

function decodeVersion(bytes: Uint8Array): BundleHeader["version"] {
  const version = { producer: 0, minConsumer: 0, badConsumers: [] as number[] };
  decodeMessage(bytes, "VersionDef", (field, wire, r) => {
    if (field === 1) version.producer = r.int32();
    else if (field === 2) version.minConsumer = r.int32();
    else if (field === 3) {
      if (wire === WIRE_BYTES) {
        const end = r.uint32() + r.pos;
        while (r.pos < end) version.badConsumers.push(r.int32());
      } else version.badConsumers.push(r.int32());
    } else return false;
  });
  return version;
}

export function decodeBundleHeader(bytes: Uint8Array): BundleHeader {
  const header: BundleHeader = { numShards: 0, endianness: 0, version: { producer: 0, minConsumer: 0, badConsumers: [] } };
  decodeMessage(bytes, "BundleHeaderProto", (field, _wire, r: ProtoReader) => {
    if (field === 1) header.numShards = r.int32();
    else if (field === 2) header.endianness = r.int32();
    else if (field === 3) header.version = decodeVersion(r.bytes());
    else return false;
  });
  return header;
}

export function decodeBundleEntry(bytes: Uint8Array, name: string): BundleEntry {
  const entry: BundleEntry = { dtype: 0, shape: { dims: [], unknownRank: false }, shardId: 0, offset: 0, size: 0, crc32c: 0, sliceCount: 0 };
  decodeMessage(bytes, `BundleEntryProto of ${name}`, (field, _wire, r) => {
    switch (field) {
      case 1: entry.dtype = r.int32(); break;
      case 2: entry.shape = decodeTensorShape(r.bytes()); break;
      case 3: entry.shardId = r.int32(); break;
      case 4: entry.offset = readInt64(r); break;
      case 5: entry.size = readInt64(r); break;
      case 6: entry.crc32c = r.fixed32(); break;
      case 7: r.bytes(); entry.sliceCount++; break;
      default: return false;
    }
  });
  return entry;
}
