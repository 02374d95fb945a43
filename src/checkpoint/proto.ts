/**
 * Protobuf wire decoding helpers over protobufjs's Reader (no .proto compile step: the few messages
 * TensorFlow checkpoints need are decoded field by field in bundle-messages.ts / graph-messages.ts).
 */
import { Reader, type Long } from "protobufjs/minimal.js";
import { CheckpointError } from "./errors";

export type ProtoReader = Reader;

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** protobufjs returns int64 as a Long when the `long` package is present, else as a number. */
export function longToNumber(value: Long | number): number {
  if (typeof value === "number") return value;
  const n = (value.unsigned ? value.high >>> 0 : value.high) * 2 ** 32 + (value.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new CheckpointError("unsupported", `64-bit value (high ${value.high}, low ${value.low}) exceeds 2^53`);
  return n;
}

/**
 * Calls `onField(field, wireType, reader)` for each field of `bytes`; the callback must consume the
 * field's value or return false (the field is then skipped). Truncated input → CheckpointError("corrupt").
 */
export function decodeMessage(
  bytes: Uint8Array,
  what: string,
  onField: (field: number, wireType: number, reader: ProtoReader) => boolean | void,
): void {
  const reader = Reader.create(bytes);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 0) throw new Error("field number 0");
      if (onField(field, wireType, reader) === false) reader.skipType(wireType);
    }
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError("corrupt", `${what} is not a valid protobuf message: ${(error as Error).message}`);
  }
}

/** A repeated scalar field, packed (wire type 2) or not. */
export function readRepeated<T>(reader: ProtoReader, wireType: number, readOne: (r: ProtoReader) => T, into: T[]): void {
  if (wireType !== WIRE_BYTES) {
    into.push(readOne(reader));
    return;
  }
  const end = reader.uint32() + reader.pos;
  while (reader.pos < end) into.push(readOne(reader));
}

export const readInt64 = (r: ProtoReader) => longToNumber(r.int64());
export const readString = (r: ProtoReader) => r.string();
