/**
 * DELF's own `.delf` file format (delf/protos/feature.proto + datum.proto, proto2):
 *   DelfFeatures { repeated DelfFeature feature = 1 }
 *   DelfFeature  { DatumProto descriptor = 1; float x = 2; float y = 3; float scale = 4;
 *                  float orientation = 5; float strength = 6 }
 *   DatumProto   { DatumShape shape = 1 { repeated int64 dim = 1 [packed] };
 *                  FloatList float_list = 2 { repeated float value = 1 [packed] } }
 * As written by DELF's feature_io: x, y are the location's column and row, strength the attention
 * score, descriptor a [dim] datum. Readable by `feature_io.ReadFromFile`.
 */
import protobuf from "protobufjs/minimal.js";
import type { Features } from "../types";

const { Reader, Writer } = protobuf;

export class DelfFormatError extends Error {
  readonly code = "invalid_features";
  constructor(message: string) {
    super(message);
    this.name = "DelfFormatError";
  }
}

export function encodeDelfFeatures(f: Features): Uint8Array {
  const w = Writer.create();
  for (let i = 0; i < f.count; i++) {
    w.uint32((1 << 3) | 2).fork(); // feature
    {
      w.uint32((1 << 3) | 2).fork(); // descriptor: DatumProto
      w.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).fork().int64(f.dim).ldelim().ldelim(); // shape { dim: [dim] }
      w.uint32((2 << 3) | 2).fork().uint32((1 << 3) | 2).fork(); // float_list { value: packed }
      for (let k = 0; k < f.dim; k++) w.float(f.descriptors[i * f.dim + k]);
      w.ldelim().ldelim();
      w.ldelim();
    }
    w.uint32((2 << 3) | 5).float(f.locations[2 * i + 1]); // x
    w.uint32((3 << 3) | 5).float(f.locations[2 * i]); // y
    w.uint32((4 << 3) | 5).float(f.scales[i]);
    w.uint32((5 << 3) | 5).float(0); // orientation
    w.uint32((6 << 3) | 5).float(f.scores[i]); // strength
    w.ldelim();
  }
  return w.finish();
}

function readPackedOrRepeated<T>(r: protobuf.Reader, wireType: number, read: () => T, out: T[]): void {
  if (wireType === 2) {
    const end = r.uint32() + r.pos;
    while (r.pos < end) out.push(read());
  } else out.push(read());
}

function readDatum(r: protobuf.Reader, end: number): { shape: number[]; values: number[] } {
  const shape: number[] = [];
  const values: number[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) {
      const shapeEnd = r.uint32() + r.pos;
      while (r.pos < shapeEnd) {
        const t = r.uint32();
        if (t >>> 3 === 1) readPackedOrRepeated(r, t & 7, () => Number(r.int64()), shape);
        else r.skipType(t & 7);
      }
    } else if (field === 2 && (tag & 7) === 2) {
      const listEnd = r.uint32() + r.pos;
      while (r.pos < listEnd) {
        const t = r.uint32();
        if (t >>> 3 === 1) readPackedOrRepeated(r, t & 7, () => r.float(), values);
        else r.skipType(t & 7);
      }
    } else r.skipType(tag & 7);
  }
  return { shape, values };
}

/** Parses `.delf` bytes into Features (locations (y, x)). Throws DelfFormatError on anything malformed. */
export function decodeDelfFeatures(bytes: Uint8Array, maxFeatures = 100_000): Features {
  const locations: number[] = [];
  const scales: number[] = [];
  const scores: number[] = [];
  const descriptors: number[] = [];
  let dim = -1;
  try {
    const r = Reader.create(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
        r.skipType(tag & 7);
        continue;
      }
      if (scores.length >= maxFeatures) throw new DelfFormatError(`more than ${maxFeatures} features`);
      const end = r.uint32() + r.pos;
      let x = 0, y = 0, scale = 1, strength = 0;
      let values: number[] = [];
      while (r.pos < end) {
        const t = r.uint32();
        switch (t >>> 3) {
          case 1: {
            const datumEnd = r.uint32() + r.pos;
            values = readDatum(r, datumEnd).values;
            break;
          }
          case 2: x = r.float(); break;
          case 3: y = r.float(); break;
          case 4: scale = r.float(); break;
          case 6: strength = r.float(); break;
          default: r.skipType(t & 7);
        }
      }
      if (dim === -1) dim = values.length;
      if (values.length !== dim || dim === 0) throw new DelfFormatError("features have descriptors of different or zero length");
      locations.push(y, x);
      scales.push(scale);
      scores.push(strength);
      descriptors.push(...values);
    }
  } catch (error) {
    if (error instanceof DelfFormatError) throw error;
    throw new DelfFormatError(`not a valid .delf file: ${(error as Error).message}`);
  }
  const count = scores.length;
  return {
    count,
    dim: Math.max(dim, 0),
    locations: Float32Array.from(locations),
    descriptors: Float32Array.from(descriptors),
    scales: Float32Array.from(scales),
    scores: Float32Array.from(scores),
  };
}
