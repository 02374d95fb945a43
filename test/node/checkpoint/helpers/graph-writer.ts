/**
 * Test-side writers of saved_model.pb (SavedModel → MetaGraphDef → GraphDef of Const/Placeholder/op nodes +
 * SignatureDefs), DELF .datum files and tar.gz archives, so tests can build SavedModel-style inputs.
 */
import { Writer } from "protobufjs/minimal.js";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

const LEN = 2;
const tag = (w: Writer, field: number, wire: number) => w.uint32((field << 3) | wire);

function shapeProto(w: Writer, field: number, dims: number[]): void {
  tag(w, field, LEN).fork();
  for (const d of dims) tag(w, 2, LEN).fork().uint32(8).int64(d).ldelim();
  w.ldelim();
}

export type GraphNode =
  | { name: string; op: "Const"; dtype?: number; shape: number[]; floats: Float32Array | number[] }
  | { name: string; op: string; inputs?: string[]; attrs?: Record<string, { f?: number; b?: boolean; type?: number }> };

function attrEntry(w: Writer, key: string, write: (aw: Writer) => void): void {
  tag(w, 5, LEN).fork();
  tag(w, 1, LEN).string(key);
  tag(w, 2, LEN).fork();
  write(w);
  w.ldelim();
  w.ldelim();
}

function nodeDef(w: Writer, node: GraphNode): void {
  tag(w, 1, LEN).fork();
  tag(w, 1, LEN).string(node.name);
  tag(w, 2, LEN).string(node.op);
  if ("floats" in node) {
    attrEntry(w, "dtype", (aw) => tag(aw, 6, 0).int32(node.dtype ?? 1));
    attrEntry(w, "value", (aw) => {
      tag(aw, 8, LEN).fork();
      tag(aw, 1, 0).int32(node.dtype ?? 1);
      shapeProto(aw, 2, node.shape);
      const values = Float32Array.from(node.floats);
      if (values.length === 1) tag(aw, 5, 5).float(values[0]); // scalar: float_val, as TF writes small consts
      else tag(aw, 4, LEN).bytes(new Uint8Array(values.buffer));
      aw.ldelim();
    });
  } else {
    for (const input of node.inputs ?? []) tag(w, 3, LEN).string(input);
    for (const [key, value] of Object.entries(node.attrs ?? {}))
      attrEntry(w, key, (aw) => {
        if (value.f !== undefined) tag(aw, 4, 5).float(value.f);
        if (value.b !== undefined) tag(aw, 5, 0).bool(value.b);
        if (value.type !== undefined) tag(aw, 6, 0).int32(value.type);
      });
  }
  w.ldelim();
}

export interface SignatureSpec {
  inputs: Record<string, { name: string; dtype: number }>;
  outputs: Record<string, { name: string; dtype: number }>;
  methodName?: string;
}

export function writeSavedModel(metaGraphs: Array<{ tags: string[]; nodes: GraphNode[]; signatures: Record<string, SignatureSpec> }>): Uint8Array {
  const w = Writer.create();
  tag(w, 1, 0).int64(1);
  for (const mg of metaGraphs) {
    tag(w, 2, LEN).fork();
    tag(w, 1, LEN).fork();
    for (const t of mg.tags) tag(w, 4, LEN).string(t);
    w.ldelim();
    tag(w, 2, LEN).fork();
    for (const node of mg.nodes) nodeDef(w, node);
    w.ldelim();
    for (const [name, sig] of Object.entries(mg.signatures)) {
      tag(w, 5, LEN).fork();
      tag(w, 1, LEN).string(name);
      tag(w, 2, LEN).fork();
      for (const [field, map] of [[1, sig.inputs], [2, sig.outputs]] as const)
        for (const [key, info] of Object.entries(map)) {
          tag(w, field, LEN).fork();
          tag(w, 1, LEN).string(key);
          tag(w, 2, LEN).fork();
          tag(w, 1, LEN).string(info.name);
          tag(w, 2, 0).int32(info.dtype);
          w.ldelim();
          w.ldelim();
        }
      if (sig.methodName) tag(w, 3, LEN).string(sig.methodName);
      w.ldelim();
      w.ldelim();
    }
    w.ldelim();
  }
  return w.finish();
}

/** DatumProto{1: DatumShape{1: packed dims}, 2: FloatList{1: packed floats}}. */
export function writeDatum(shape: number[], values: Float32Array): Uint8Array {
  const w = Writer.create();
  tag(w, 1, LEN).fork();
  tag(w, 1, LEN).fork();
  for (const d of shape) w.int64(d);
  w.ldelim();
  w.ldelim();
  tag(w, 2, LEN).fork();
  tag(w, 1, LEN).bytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  w.ldelim();
  return w.finish();
}

export async function writeTarGz(files: Map<string, Uint8Array>): Promise<Uint8Array> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (c) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => archive.on("end", () => resolve()));
  for (const [name, bytes] of files) archive.entry({ name }, Buffer.from(bytes));
  archive.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: 1 }); // fast: test archives hold incompressible floats
}
