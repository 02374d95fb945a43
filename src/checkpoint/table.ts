/**
 * Reader of TensorFlow's immutable LevelDB-style table (tensorflow/core/lib/io/table*), the format of a
 * tensor bundle's `.index` file (spec §8.2): a 48-byte footer with the index block handle and the magic,
 * an index block whose values are handles of data blocks, data blocks of prefix-compressed entries with
 * restart points. Every block carries a type byte (0 raw, 1 snappy) and a masked CRC32C over
 * contents + type byte; all of them are checked.
 */
import { uncompress as snappyUncompress } from "snappyjs";
import { crc32cExtend, unmaskCrc } from "./crc32c";
import { CheckpointError } from "./errors";

export const TABLE_MAGIC = 0xdb4775248b80fb57n;
export const FOOTER_LENGTH = 48;
/** Type byte + fixed32 CRC after every block. */
export const BLOCK_TRAILER_LENGTH = 5;

export interface BlockHandle {
  offset: number;
  size: number;
}

export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** Little-endian base-128 varint, as a Number (checked to stay exact). */
export function readVarint(bytes: Uint8Array, at: number, what: string): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const b = bytes[i];
    value += (b & 0x7f) * scale;
    if (!(b & 0x80)) {
      if (!Number.isSafeInteger(value)) throw new CheckpointError("unsupported", `${what}: varint ${value} exceeds 2^53`);
      return { value, next: i + 1 };
    }
    scale *= 128;
  }
  throw new CheckpointError("corrupt", `${what}: truncated varint at byte ${at}`);
}

export function readBlockHandle(bytes: Uint8Array, at: number, what: string): { handle: BlockHandle; next: number } {
  const offset = readVarint(bytes, at, what);
  const size = readVarint(bytes, offset.next, what);
  return { handle: { offset: offset.value, size: size.value }, next: size.next };
}

const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

export function readFooter(file: Uint8Array): { metaindex: BlockHandle; index: BlockHandle } {
  if (file.length < FOOTER_LENGTH)
    throw new CheckpointError("corrupt", `index file is ${file.length} bytes, shorter than the 48-byte table footer (truncated?)`);
  const footer = file.subarray(file.length - FOOTER_LENGTH);
  const magic = BigInt(u32(footer, 40)) | (BigInt(u32(footer, 44)) << 32n);
  if (magic !== TABLE_MAGIC)
    throw new CheckpointError("corrupt", `index file has no table magic at its end (found 0x${magic.toString(16)}; truncated or not a TensorFlow .index file)`);
  const metaindex = readBlockHandle(footer, 0, "footer metaindex handle");
  const index = readBlockHandle(footer, metaindex.next, "footer index handle");
  return { metaindex: metaindex.handle, index: index.handle };
}

/** Block contents at `handle`, CRC-checked and decompressed. */
export function readBlock(file: Uint8Array, handle: BlockHandle, what: string): Uint8Array {
  const end = handle.offset + handle.size + BLOCK_TRAILER_LENGTH;
  if (end > file.length - FOOTER_LENGTH)
    throw new CheckpointError("corrupt", `${what} at offset ${handle.offset} (+${handle.size} bytes) runs past the end of the index file (truncated?)`);
  const stored = file.subarray(handle.offset, handle.offset + handle.size);
  const type = file[handle.offset + handle.size];
  const expected = unmaskCrc(u32(file, handle.offset + handle.size + 1));
  const actual = crc32cExtend(crc32cExtend(0, stored), file.subarray(handle.offset + handle.size, handle.offset + handle.size + 1));
  if (actual !== expected)
    throw new CheckpointError("corrupt", `${what} at offset ${handle.offset}: block CRC32C mismatch (stored 0x${expected.toString(16)}, computed 0x${actual.toString(16)})`);
  if (type === 0) return stored;
  if (type === 1) {
    try {
      return new Uint8Array(snappyUncompress(stored));
    } catch (error) {
      throw new CheckpointError("corrupt", `${what}: snappy data is invalid: ${(error as Error).message}`);
    }
  }
  throw new CheckpointError("unsupported", `${what}: unknown block compression type ${type}`);
}

/** Entries of one block in stored order (keys are rebuilt from their shared prefixes). */
export function readBlockEntries(block: Uint8Array, what: string): TableEntry[] {
  if (block.length < 4) throw new CheckpointError("corrupt", `${what}: block of ${block.length} bytes has no restart count`);
  const numRestarts = u32(block, block.length - 4);
  const restartsStart = block.length - 4 - 4 * numRestarts;
  if (numRestarts === 0 || restartsStart < 0)
    throw new CheckpointError("corrupt", `${what}: invalid restart count ${numRestarts}`);
  const restarts = new Set<number>();
  for (let r = 0; r < numRestarts; r++) restarts.add(u32(block, restartsStart + 4 * r));
  const entries: TableEntry[] = [];
  let previous = new Uint8Array(0);
  let at = 0;
  while (at < restartsStart) {
    const entryStart = at;
    const shared = readVarint(block, at, what);
    const nonShared = readVarint(block, shared.next, what);
    const valueLength = readVarint(block, nonShared.next, what);
    at = valueLength.next;
    if (shared.value > previous.length || (restarts.has(entryStart) && shared.value !== 0))
      throw new CheckpointError("corrupt", `${what}: entry at ${entryStart} shares ${shared.value} bytes with a ${previous.length}-byte key`);
    if (at + nonShared.value + valueLength.value > restartsStart)
      throw new CheckpointError("corrupt", `${what}: entry at ${entryStart} runs into the restart array`);
    const key = new Uint8Array(shared.value + nonShared.value);
    key.set(previous.subarray(0, shared.value));
    key.set(block.subarray(at, at + nonShared.value), shared.value);
    at += nonShared.value;
    entries.push({ key, value: block.subarray(at, at + valueLength.value) });
    at += valueLength.value;
    previous = key;
  }
  return entries;
}

/** All entries of the table, in key order. */
export function readTable(file: Uint8Array): TableEntry[] {
  const { index } = readFooter(file);
  const indexEntries = readBlockEntries(readBlock(file, index, "index block"), "index block");
  const entries: TableEntry[] = [];
  for (let i = 0; i < indexEntries.length; i++) {
    const { handle } = readBlockHandle(indexEntries[i].value, 0, `index entry ${i}`);
    const what = `data block ${i}`;
    entries.push(...readBlockEntries(readBlock(file, handle, what), what));
  }
  return entries;
}

/** The index block and every data block with its compression type (0 raw, 1 snappy): for diagnostics and tests. */
export function tableBlocks(file: Uint8Array): Array<{ what: string; handle: BlockHandle; compression: number }> {
  const { index } = readFooter(file);
  const blocks = [{ what: "index block", handle: index, compression: file[index.offset + index.size] }];
  const indexEntries = readBlockEntries(readBlock(file, index, "index block"), "index block");
  indexEntries.forEach((entry, i) => {
    const { handle } = readBlockHandle(entry.value, 0, `index entry ${i}`);
    blocks.push({ what: `data block ${i}`, handle, compression: file[handle.offset + handle.size] });
  });
  return blocks;
}
