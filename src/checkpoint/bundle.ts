/**
 * Tensor bundle (TF checkpoint V2, spec §8.3): `<prefix>.index` (a table: "" → BundleHeaderProto, tensor
 * name → BundleEntryProto) + data shards `<prefix>.data-NNNNN-of-NNNNN`. Works on in-memory bytes so it
 * runs anywhere (Node, Workers); bundle.node.ts reads the files.
 */
import { decodeBundleEntry, decodeBundleHeader, type BundleEntry, type BundleHeader } from "./bundle-messages";
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from "./crc32c";
import { decodeNumericValues, DT, dtypeElementBytes, dtypeName } from "./dtypes";
import { CheckpointError } from "./errors";
import { readTable, readVarint } from "./table";

export interface BundleTensor {
  name: string;
  dtype: number;
  shape: number[];
  entry: BundleEntry;
}

export interface BundleIndex {
  header: BundleHeader;
  /** In key (bytewise) order. Keys of partitioned-variable slices (starting with \0) are left out. */
  tensors: BundleTensor[];
  byName: Map<string, BundleTensor>;
}

/** `<prefix>.data-00000-of-00001` */
export function dataFileName(prefix: string, shardId: number, numShards: number): string {
  return `${prefix}.data-${String(shardId).padStart(5, "0")}-of-${String(numShards).padStart(5, "0")}`;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function readBundleIndex(indexFile: Uint8Array): BundleIndex {
  const entries = readTable(indexFile);
  if (entries.length === 0 || entries[0].key.length !== 0)
    throw new CheckpointError("corrupt", "index has no bundle header (its first key must be empty)");
  const header = decodeBundleHeader(entries[0].value);
  if (header.numShards < 1) throw new CheckpointError("corrupt", `bundle header says ${header.numShards} shards`);
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const tensors: BundleTensor[] = [];
  for (const { key, value } of entries.slice(1)) {
    if (key[0] === 0) continue; // encoded slice key of a partitioned variable
    const name = decoder.decode(key);
    const entry = decodeBundleEntry(value, name);
    if (entry.shardId < 0 || entry.shardId >= header.numShards)
      throw new CheckpointError("corrupt", `tensor ${name}: shard ${entry.shardId} of ${header.numShards}`);
    tensors.push({ name, dtype: entry.dtype, shape: entry.shape.dims, entry });
  }
  return { header, tensors, byName: new Map(tensors.map((t) => [t.name, t])) };
}

/** The stored bytes of one tensor (no checks beyond bounds). */
export function tensorBytes(tensor: BundleTensor, shards: readonly Uint8Array[]): Uint8Array {
  const { shardId, offset, size } = tensor.entry;
  if (tensor.entry.sliceCount > 0)
    throw new CheckpointError("unsupported", `tensor ${tensor.name} is a partitioned variable (${tensor.entry.sliceCount} slices); not supported`);
  const shard = shards[shardId];
  if (!shard) throw new CheckpointError("missing", `tensor ${tensor.name}: data shard ${shardId} is missing`);
  if (offset + size > shard.length)
    throw new CheckpointError("corrupt", `tensor ${tensor.name}: bytes [${offset}, ${offset + size}) lie beyond the end of data shard ${shardId} (${shard.length} bytes; truncated?)`);
  return shard.subarray(offset, offset + size);
}

/**
 * String tensor layout (tensor_bundle.cc WriteStringTensor): varint64 lengths, 4-byte masked CRC32C of the
 * lengths, then the bytes. The entry's checksum covers each length as uint32 LE (uint64 if ≥ 2^32), the
 * 4 stored checksum bytes, then the string bytes.
 */
export function decodeStringTensor(tensor: BundleTensor, bytes: Uint8Array): { strings: Uint8Array[]; crc: number } {
  const count = elementCount(tensor.shape);
  const lengths: number[] = [];
  let at = 0;
  let crc = 0;
  for (let i = 0; i < count; i++) {
    const { value, next } = readVarint(bytes, at, `string tensor ${tensor.name}`);
    lengths.push(value);
    at = next;
    const wide = value > 0xffffffff;
    const le = new Uint8Array(wide ? 8 : 4);
    if (wide) new DataView(le.buffer).setBigUint64(0, BigInt(value), true);
    else new DataView(le.buffer).setUint32(0, value, true);
    crc = crc32cExtend(crc, le);
  }
  if (at + 4 > bytes.length) throw new CheckpointError("corrupt", `string tensor ${tensor.name}: truncated before its length checksum`);
  const storedLengthCrc = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
  if (count > 0 && unmaskCrc(storedLengthCrc) !== crc)
    throw new CheckpointError("corrupt", `tensor ${tensor.name}: CRC32C mismatch in the string lengths`);
  crc = crc32cExtend(crc, bytes.subarray(at, at + 4));
  at += 4;
  const strings: Uint8Array[] = [];
  for (const length of lengths) {
    if (at + length > bytes.length) throw new CheckpointError("corrupt", `string tensor ${tensor.name}: truncated string data`);
    strings.push(bytes.subarray(at, at + length));
    crc = crc32cExtend(crc, bytes.subarray(at, at + length));
    at += length;
  }
  return { strings, crc };
}

/** CRC32C of the tensor's bytes, computed the way TensorFlow computes the entry's checksum. */
export function computeTensorCrc(tensor: BundleTensor, bytes: Uint8Array): number {
  return tensor.dtype === DT.STRING ? decodeStringTensor(tensor, bytes).crc : crc32c(bytes);
}

/** Whether the tensor's bytes match its stored checksum (and its size matches its shape for numeric types). */
export function checkTensor(tensor: BundleTensor, shards: readonly Uint8Array[]): boolean {
  try {
    readTensorBytes(tensor, shards);
    return true;
  } catch (error) {
    if (error instanceof CheckpointError && error.code === "corrupt") return false;
    throw error;
  }
}

/** The tensor's bytes after checking size and CRC32C; CheckpointError("corrupt") naming the tensor otherwise. */
export function readTensorBytes(tensor: BundleTensor, shards: readonly Uint8Array[]): Uint8Array {
  const bytes = tensorBytes(tensor, shards);
  const elementBytes = dtypeElementBytes(tensor.dtype);
  if (elementBytes !== undefined && bytes.length !== elementBytes * elementCount(tensor.shape))
    throw new CheckpointError("corrupt", `tensor ${tensor.name}: ${bytes.length} bytes for shape [${tensor.shape.join(",")}] of ${dtypeName(tensor.dtype)}`);
  const actual = computeTensorCrc(tensor, bytes);
  if (maskCrc(actual) !== tensor.entry.crc32c)
    throw new CheckpointError("corrupt", `tensor ${tensor.name}: CRC32C mismatch (stored 0x${unmaskCrc(tensor.entry.crc32c).toString(16)}, computed 0x${actual.toString(16)}): the data file is corrupt`);
  return bytes;
}

function requireLittleEndian(header: BundleHeader, name: string): void {
  if (header.endianness !== 0) throw new CheckpointError("unsupported", `tensor ${name}: big-endian bundles are not supported`);
}

/** Checked values as plain JS values (numbers; strings as UTF-8 text; see decodeNumericValues). */
export function readTensorValues(index: BundleIndex, tensor: BundleTensor, shards: readonly Uint8Array[]): Array<number | string> {
  const bytes = readTensorBytes(tensor, shards);
  if (tensor.dtype === DT.STRING) {
    const decoder = new TextDecoder();
    return decodeStringTensor(tensor, bytes).strings.map((s) => decoder.decode(s));
  }
  requireLittleEndian(index.header, tensor.name);
  if (dtypeElementBytes(tensor.dtype) === undefined)
    throw new CheckpointError("unsupported", `tensor ${tensor.name}: dtype ${dtypeName(tensor.dtype)} cannot be decoded`);
  return decodeNumericValues(tensor.dtype, bytes);
}

/** Checked float32 values (a copy, 4-byte aligned). */
export function readFloat32Tensor(index: BundleIndex, tensor: BundleTensor, shards: readonly Uint8Array[]): Float32Array {
  if (tensor.dtype !== DT.FLOAT)
    throw new CheckpointError("invalid", `tensor ${tensor.name} has dtype ${dtypeName(tensor.dtype)}, expected float32`);
  requireLittleEndian(index.header, tensor.name);
  const bytes = readTensorBytes(tensor, shards);
  const values = new Float32Array(bytes.length / 4);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}
