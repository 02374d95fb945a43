/**
 * DELF's DatumProto (delf/protos/datum.proto; the tarball's pca/*.datum files, spec §5):
 *   DatumProto{ 1: DatumShape{ 1: repeated int64 dim [packed] }, 2: FloatList{ 1: repeated float value [packed] } }
 * (fields 3/4 of newer versions, uint32 lists, are not used by DELF's PCA files and are rejected).
 */
import { CheckpointError } from "./errors";
import { decodeMessage, readInt64, readRepeated, WIRE_BYTES } from "./proto";

export interface Datum {
  shape: number[];
  values: Float32Array;
}

function decodeFloats(bytes: Uint8Array, chunks: Float32Array[]): void {
  decodeMessage(bytes, "DatumProto.FloatList", (field, wire, r) => {
    if (field !== 1) return false;
    if (wire === WIRE_BYTES) {
      const packed = r.bytes();
      if (packed.length % 4 !== 0) throw new CheckpointError("corrupt", "datum float list is not a multiple of 4 bytes");
      const values = new Float32Array(packed.length / 4);
      new Uint8Array(values.buffer).set(packed);
      chunks.push(values);
    } else chunks.push(Float32Array.of(r.float()));
  });
}

export function decodeDatum(bytes: Uint8Array, what = "datum"): Datum {
  const shape: number[] = [];
  const chunks: Float32Array[] = [];
  let otherKind = false;
  decodeMessage(bytes, `${what} (DatumProto)`, (field, _wire, r) => {
    if (field === 1) {
      decodeMessage(r.bytes(), "DatumProto.DatumShape", (f, w, sr) => {
        if (f !== 1) return false;
        readRepeated(sr, w, readInt64, shape);
      });
    } else if (field === 2) decodeFloats(r.bytes(), chunks);
    else if (field === 3 || field === 4) {
      otherKind = true;
      return false;
    } else return false;
  });
  if (otherKind && chunks.length === 0) throw new CheckpointError("unsupported", `${what}: holds integer data, expected a float list`);
  const count = chunks.reduce((n, c) => n + c.length, 0);
  const values = chunks.length === 1 ? chunks[0] : new Float32Array(count);
  if (chunks.length !== 1) {
    let at = 0;
    for (const c of chunks) {
      values.set(c, at);
      at += c.length;
    }
  }
  const expected = shape.reduce((a, b) => a * b, 1);
  if (expected !== count)
    throw new CheckpointError("corrupt", `${what}: shape [${shape.join(",")}] needs ${expected} values, found ${count}`);
  return { shape, values };
}
