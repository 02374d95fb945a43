/**
 * Writer of tensor bundles (the inverse of table.ts + bundle.ts), following TensorFlow's table builder:
 * data blocks cut at `blockSize`, a restart point every `restartInterval` keys, an index block of data
 * block handles keyed by each block's last key, an empty metaindex block and the 48-byte footer.
 * Used to export checkpoints and by tests to write their own bundles.
 */
import { compress as snappyCompress } from "snappyjs";
import { Writer } from "protobufjs/minimal.js";
import { crc32c, crc32cExtend, maskCrc } from "./crc32c";
import { DT } from "./dtypes";
import { FOOTER_LENGTH, TABLE_MAGIC, type BlockHandle } from "./table";

export interface TableWriteOptions {
  blockSize?: number;
  restartInterval?: number;
  /** 0 raw (TF's bundle writer), 1 snappy. Applies to data blocks. */
  compression?: 0 | 1;
}

function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

const fixed32 = (n: number, out: number[]) => out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);

function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function buildBlock(entries: Array<{ key: Uint8Array; value: Uint8Array }>, restartInterval: number): Uint8Array {
  const out: number[] = [];
  const restarts: number[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  entries.forEach(({ key, value }, i) => {
    const restart = i % restartInterval === 0;
    if (restart) restarts.push(out.length);
    const shared = restart ? 0 : commonPrefix(previous, key);
    varint(shared, out);
    varint(key.length - shared, out);
    varint(value.length, out);
    for (let k = shared; k < key.length; k++) out.push(key[k]);
    for (let v = 0; v < value.length; v++) out.push(value[v]);
    previous = key;
  });
  if (restarts.length === 0) restarts.push(0);
  for (const r of restarts) fixed32(r, out);
  fixed32(restarts.length, out);
  return Uint8Array.from(out);
}

function encodeHandle(handle: BlockHandle): Uint8Array {
  const out: number[] = [];
  varint(handle.offset, out);
  varint(handle.size, out);
  return Uint8Array.from(out);
}

const compareBytes = (a: Uint8Array, b: Uint8Array) => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};

/** Serialises key → value entries (sorted bytewise here) into a table file. */
export function writeTable(entries: Array<{ key: Uint8Array; value: Uint8Array }>, options: TableWriteOptions = {}): Uint8Array {
  const { blockSize = 4096, restartInterval = 16, compression = 0 } = options;
  const sorted = [...entries].sort((a, b) => compareBytes(a.key, b.key));
  const parts: Uint8Array[] = [];
  let length = 0;
  const appendBlock = (contents: Uint8Array, type: number): BlockHandle => {
    const stored = type === 1 ? new Uint8Array(snappyCompress(contents)) : contents;
    const handle = { offset: length, size: stored.length };
    const trailer = new Uint8Array(5);
    trailer[0] = type;
    new DataView(trailer.buffer).setUint32(1, maskCrc(crc32cExtend(crc32c(stored), trailer.subarray(0, 1))), true);
    parts.push(stored, trailer);
    length += stored.length + 5;
    return handle;
  };
  const indexEntries: Array<{ key: Uint8Array; value: Uint8Array }> = [];
  let block: typeof sorted = [];
  let blockBytes = 0;
  const flush = () => {
    if (block.length === 0) return;
    const handle = appendBlock(buildBlock(block, restartInterval), compression);
    indexEntries.push({ key: block[block.length - 1].key, value: encodeHandle(handle) });
    block = [];
    blockBytes = 0;
  };
  for (const entry of sorted) {
    block.push(entry);
    blockBytes += entry.key.length + entry.value.length + 3;
    if (blockBytes >= blockSize) flush();
  }
  flush();
  const metaindex = appendBlock(buildBlock([], 1), 0);
  const index = appendBlock(buildBlock(indexEntries, 1), 0);
  const footer = new Uint8Array(FOOTER_LENGTH);
  const handles = [...encodeHandle(metaindex), ...encodeHandle(index)];
  footer.set(handles);
  const view = new DataView(footer.buffer);
  view.setUint32(40, Number(TABLE_MAGIC & 0xffffffffn), true);
  view.setUint32(44, Number(TABLE_MAGIC >> 32n), true);
  parts.push(footer);
  const file = new Uint8Array(length + FOOTER_LENGTH);
  let at = 0;
  for (const p of parts) {
    file.set(p, at);
    at += p.length;
  }
  return file;
}

export interface TensorToWrite {
  name: string;
  dtype: number;
  shape: number[];
  /** Little-endian element bytes (numeric dtypes) … */
  bytes?: Uint8Array;
  /** … or the elements of a string tensor. */
  strings?: Uint8Array[];
}

/** TensorFlow's string tensor layout and entry checksum (see bundle.ts decodeStringTensor). */
function encodeStringTensor(strings: Uint8Array[]): { bytes: Uint8Array; crc: number } {
  const head: number[] = [];
  let crc = 0;
  for (const s of strings) {
    varint(s.length, head);
    const le = new Uint8Array(4);
    new DataView(le.buffer).setUint32(0, s.length, true);
    crc = crc32cExtend(crc, le);
  }
  const lengthCrc = new Uint8Array(4);
  new DataView(lengthCrc.buffer).setUint32(0, maskCrc(crc), true);
  crc = crc32cExtend(crc, lengthCrc);
  const parts = [Uint8Array.from(head), lengthCrc, ...strings];
  for (const s of strings) crc = crc32cExtend(crc, s);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, crc };
}

export function encodeBundleHeader(numShards: number): Uint8Array {
  const w = Writer.create();
  w.uint32((1 << 3) | 0).int32(numShards);
  w.uint32((3 << 3) | 2).fork().uint32((1 << 3) | 0).int32(1).ldelim();
  return w.finish();
}

export function encodeBundleEntry(e: { dtype: number; shape: number[]; shardId: number; offset: number; size: number; crc32c: number }): Uint8Array {
  const w = Writer.create();
  w.uint32((1 << 3) | 0).int32(e.dtype);
  w.uint32((2 << 3) | 2).fork();
  for (const d of e.shape) w.uint32((2 << 3) | 2).fork().uint32((1 << 3) | 0).int64(d).ldelim();
  w.ldelim();
  if (e.shardId !== 0) w.uint32((3 << 3) | 0).int32(e.shardId);
  if (e.offset !== 0) w.uint32((4 << 3) | 0).int64(e.offset);
  if (e.size !== 0) w.uint32((5 << 3) | 0).int64(e.size);
  w.uint32((6 << 3) | 5).fixed32(e.crc32c);
  return w.finish();
}

/** float32 values → little-endian bytes. */
export function float32Bytes(values: Float32Array | number[]): Uint8Array {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

export interface BundleWriteOptions extends TableWriteOptions {
  numShards?: number;
  /** Which shard a tensor goes to (default: round robin in name order). */
  shardOf?: (name: string, position: number) => number;
}

/** A complete bundle: `.index` bytes and the data shards. */
export function writeBundle(tensors: TensorToWrite[], options: BundleWriteOptions = {}): { index: Uint8Array; shards: Uint8Array[] } {
  const numShards = options.numShards ?? 1;
  const shardOf = options.shardOf ?? ((_name: string, i: number) => i % numShards);
  const shardParts: Uint8Array[][] = Array.from({ length: numShards }, () => []);
  const shardLength = new Array<number>(numShards).fill(0);
  const encoder = new TextEncoder();
  const entries = [{ key: new Uint8Array(0), value: encodeBundleHeader(numShards) }];
  [...tensors].sort((a, b) => compareBytes(encoder.encode(a.name), encoder.encode(b.name))).forEach((t, i) => {
    const shardId = shardOf(t.name, i);
    const { bytes, crc } = t.dtype === DT.STRING ? encodeStringTensor(t.strings ?? []) : { bytes: t.bytes!, crc: crc32c(t.bytes!) };
    entries.push({
      key: encoder.encode(t.name),
      value: encodeBundleEntry({ dtype: t.dtype, shape: t.shape, shardId, offset: shardLength[shardId], size: bytes.length, crc32c: maskCrc(crc) }),
    });
    shardParts[shardId].push(bytes);
    shardLength[shardId] += bytes.length;
  });
  const shards = shardParts.map((parts, s) => {
    const out = new Uint8Array(shardLength[s]);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  });
  return { index: writeTable(entries, options), shards };
}
