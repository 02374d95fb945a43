/** TensorFlow DataType enum values (types.proto) that tensor bundles store, and their byte sizes. */
export const DT = {
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  UINT8: 4,
  INT16: 5,
  INT8: 6,
  STRING: 7,
  INT64: 9,
  BOOL: 10,
  BFLOAT16: 14,
  UINT16: 17,
  HALF: 19,
  UINT32: 22,
  UINT64: 23,
} as const;

const NAMES: Record<number, string> = {
  1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string", 8: "complex64",
  9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 18: "complex128", 19: "float16", 20: "resource",
  21: "variant", 22: "uint32", 23: "uint64",
};

const ELEMENT_BYTES: Record<number, number> = {
  1: 4, 2: 8, 3: 4, 4: 1, 5: 2, 6: 1, 9: 8, 10: 1, 14: 2, 17: 2, 19: 2, 22: 4, 23: 8,
};

/** Human name ("float32", "int64", …) of a DataType; `dt<N>` for values not listed. */
export function dtypeName(dtype: number): string {
  return NAMES[dtype] ?? `dt${dtype}`;
}

/** Bytes per element of a fixed-width numeric dtype; undefined for string/variant/unknown. */
export function dtypeElementBytes(dtype: number): number | undefined {
  return ELEMENT_BYTES[dtype];
}

function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** A 64-bit integer as a number when exactly representable, else as its decimal string. */
function exactInteger(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/**
 * Little-endian element bytes of a numeric tensor → plain JS values (numbers; booleans as 0/1;
 * 64-bit integers beyond 2^53 as decimal strings).
 */
export function decodeNumericValues(dtype: number, bytes: Uint8Array): Array<number | string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = dtypeElementBytes(dtype);
  if (size === undefined) throw new RangeError(`dtype ${dtypeName(dtype)} is not numeric`);
  const count = Math.floor(bytes.byteLength / size);
  const out = new Array<number | string>(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    switch (dtype) {
      case DT.FLOAT: out[i] = view.getFloat32(at, true); break;
      case DT.DOUBLE: out[i] = view.getFloat64(at, true); break;
      case DT.INT32: out[i] = view.getInt32(at, true); break;
      case DT.UINT32: out[i] = view.getUint32(at, true); break;
      case DT.UINT8: out[i] = view.getUint8(at); break;
      case DT.INT8: out[i] = view.getInt8(at); break;
      case DT.INT16: out[i] = view.getInt16(at, true); break;
      case DT.UINT16: out[i] = view.getUint16(at, true); break;
      case DT.BOOL: out[i] = view.getUint8(at) ? 1 : 0; break;
      case DT.INT64: out[i] = exactInteger(view.getBigInt64(at, true)); break;
      case DT.UINT64: out[i] = exactInteger(view.getBigUint64(at, true)); break;
      case DT.HALF: out[i] = float16ToNumber(view.getUint16(at, true)); break;
      // bfloat16 = the high half of a float32.
      case DT.BFLOAT16: out[i] = new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0]; break;
    }
  }
  return out;
}
