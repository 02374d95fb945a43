/**
 * The parts of SavedModel / MetaGraphDef / GraphDef / NodeDef / AttrValue / TensorProto / SignatureDef
 * needed to read constants and signatures (spec §8.4). Field numbers from tensorflow/core/framework/*.proto
 * and tensorflow/core/protobuf/{saved_model,meta_graph}.proto.
 */
import { decodeTensorShape, type TensorShape } from "./bundle-messages";
import { decodeNumericValues, DT, dtypeElementBytes } from "./dtypes";
import { decodeMessage, longToNumber, readInt64, readRepeated, WIRE_BYTES, type ProtoReader } from "./proto";

export interface TensorProto {
  dtype: number;
  shape: TensorShape;
  /** Raw little-endian element bytes when the tensor uses tensor_content. */
  content?: Uint8Array;
  /** Listed values (float_val, double_val, int_val, int64_val, bool_val, half_val as bits). */
  listed: number[];
  strings: Uint8Array[];
}

export interface AttrValue {
  s?: Uint8Array;
  i?: number;
  f?: number;
  b?: boolean;
  type?: number;
  shape?: TensorShape;
  tensor?: TensorProto;
  list?: { s: Uint8Array[]; i: number[]; f: number[]; b: boolean[]; type: number[] };
}

export interface NodeDef {
  name: string;
  op: string;
  inputs: string[];
  device: string;
  attrs: Map<string, AttrValue>;
}

export interface TensorInfo {
  name: string;
  dtype: number;
  shape?: TensorShape;
}

export interface SignatureDef {
  inputs: Map<string, TensorInfo>;
  outputs: Map<string, TensorInfo>;
  methodName: string;
}

export interface MetaGraph {
  tags: string[];
  nodes: NodeDef[];
  /** Nodes of the graph's function library (TF2 graphs keep most ops there), by function name. */
  functions: Map<string, NodeDef[]>;
  signatures: Map<string, SignatureDef>;
}

export interface SavedModel {
  schemaVersion: number;
  metaGraphs: MetaGraph[];
}

const text = new TextDecoder();

export function decodeTensorProto(bytes: Uint8Array): TensorProto {
  const t: TensorProto = { dtype: 0, shape: { dims: [], unknownRank: false }, listed: [], strings: [] };
  decodeMessage(bytes, "TensorProto", (field, wire, r) => {
    switch (field) {
      case 1: t.dtype = r.int32(); break;
      case 2: t.shape = decodeTensorShape(r.bytes()); break;
      case 4: t.content = r.bytes(); break;
      case 5: readRepeated(r, wire, (x) => x.float(), t.listed); break;
      case 6: readRepeated(r, wire, (x) => x.double(), t.listed); break;
      case 7: readRepeated(r, wire, (x) => x.int32(), t.listed); break;
      case 8: t.strings.push(r.bytes()); break;
      case 10: readRepeated(r, wire, readInt64, t.listed); break;
      case 11: readRepeated(r, wire, (x) => (x.bool() ? 1 : 0), t.listed); break;
      case 13: readRepeated(r, wire, (x) => x.int32(), t.listed); break; // half_val: raw 16-bit patterns
      case 16: readRepeated(r, wire, (x) => longToNumber(x.uint64()), t.listed); break; // uint64_val
      case 17: readRepeated(r, wire, (x) => x.uint32(), t.listed); break; // uint32_val
      default: return false;
    }
  });
  return t;
}

/** Numeric values of a TensorProto, expanded to the element count (fewer listed values = repeat the last; none = zeros). */
export function tensorProtoValues(t: TensorProto): Array<number | string> {
  const count = t.shape.dims.reduce((a, b) => a * b, 1);
  if (t.content && dtypeElementBytes(t.dtype) !== undefined) return decodeNumericValues(t.dtype, t.content);
  let listed: Array<number | string> = t.listed;
  if (t.dtype === DT.HALF || t.dtype === DT.BFLOAT16) {
    const bits = new Uint8Array(new Uint16Array(t.listed).buffer);
    listed = decodeNumericValues(t.dtype, bits);
  }
  if (listed.length === 0) return new Array<number>(count).fill(0); // no values = all zeros
  if (listed.length >= count) return listed.slice(0, count);
  const out = listed.slice();
  while (out.length < count) out.push(listed[listed.length - 1]);
  return out;
}

/** Float32 values of a float TensorProto (tensor_content or float_val). */
export function tensorProtoFloat32(t: TensorProto): Float32Array {
  if (t.content) {
    const out = new Float32Array(t.content.length / 4);
    new Uint8Array(out.buffer).set(t.content);
    return out;
  }
  return Float32Array.from(tensorProtoValues(t) as number[]);
}

function decodeAttrList(bytes: Uint8Array): NonNullable<AttrValue["list"]> {
  const list = { s: [] as Uint8Array[], i: [] as number[], f: [] as number[], b: [] as boolean[], type: [] as number[] };
  decodeMessage(bytes, "AttrValue.ListValue", (field, wire, r) => {
    switch (field) {
      case 2: list.s.push(r.bytes()); break;
      case 3: readRepeated(r, wire, readInt64, list.i); break;
      case 4: readRepeated(r, wire, (x) => x.float(), list.f); break;
      case 5: readRepeated(r, wire, (x) => x.bool(), list.b); break;
      case 6: readRepeated(r, wire, (x) => x.int32(), list.type); break;
      default: return false;
    }
  });
  return list;
}

export function decodeAttrValue(bytes: Uint8Array): AttrValue {
  const a: AttrValue = {};
  decodeMessage(bytes, "AttrValue", (field, _wire, r) => {
    switch (field) {
      case 1: a.list = decodeAttrList(r.bytes()); break;
      case 2: a.s = r.bytes(); break;
      case 3: a.i = readInt64(r); break;
      case 4: a.f = r.float(); break;
      case 5: a.b = r.bool(); break;
      case 6: a.type = r.int32(); break;
      case 7: a.shape = decodeTensorShape(r.bytes()); break;
      case 8: a.tensor = decodeTensorProto(r.bytes()); break;
      default: return false;
    }
  });
  return a;
}

/** A map<string, V> entry {1: key, 2: value}. */
function decodeMapEntry<V>(bytes: Uint8Array, what: string, decodeValue: (b: Uint8Array) => V, empty: () => V): [string, V] {
  let key = "";
  let value: V | undefined;
  decodeMessage(bytes, what, (field, _wire, r) => {
    if (field === 1) key = r.string();
    else if (field === 2) value = decodeValue(r.bytes());
    else return false;
  });
  return [key, value ?? empty()];
}

export function decodeNodeDef(bytes: Uint8Array): NodeDef {
  const node: NodeDef = { name: "", op: "", inputs: [], device: "", attrs: new Map() };
  decodeMessage(bytes, "NodeDef", (field, _wire, r) => {
    switch (field) {
      case 1: node.name = r.string(); break;
      case 2: node.op = r.string(); break;
      case 3: node.inputs.push(r.string()); break;
      case 4: node.device = r.string(); break;
      case 5: node.attrs.set(...decodeMapEntry(r.bytes(), "NodeDef.attr", decodeAttrValue, () => ({}))); break;
      default: return false;
    }
  });
  return node;
}

function decodeFunctionDef(bytes: Uint8Array): { name: string; nodes: NodeDef[] } {
  let name = "";
  const nodes: NodeDef[] = [];
  decodeMessage(bytes, "FunctionDef", (field, _wire, r) => {
    if (field === 1) {
      decodeMessage(r.bytes(), "OpDef", (f, _w, or) => {
        if (f !== 1) return false;
        name = or.string();
      });
    } else if (field === 3) nodes.push(decodeNodeDef(r.bytes()));
    else return false;
  });
  return { name, nodes };
}

function decodeGraphDef(bytes: Uint8Array, graph: MetaGraph): void {
  decodeMessage(bytes, "GraphDef", (field, _wire, r) => {
    if (field === 1) graph.nodes.push(decodeNodeDef(r.bytes()));
    else if (field === 2) {
      decodeMessage(r.bytes(), "FunctionDefLibrary", (f, _w, lr) => {
        if (f !== 1) return false;
        const fn = decodeFunctionDef(lr.bytes());
        graph.functions.set(fn.name, fn.nodes);
      });
    } else return false;
  });
}

function decodeTensorInfo(bytes: Uint8Array): TensorInfo {
  const info: TensorInfo = { name: "", dtype: 0 };
  decodeMessage(bytes, "TensorInfo", (field, _wire, r) => {
    if (field === 1) info.name = r.string();
    else if (field === 2) info.dtype = r.int32();
    else if (field === 3) info.shape = decodeTensorShape(r.bytes());
    else return false;
  });
  return info;
}

const emptyTensorInfo = (): TensorInfo => ({ name: "", dtype: 0 });

function decodeSignatureDef(bytes: Uint8Array): SignatureDef {
  const sig: SignatureDef = { inputs: new Map(), outputs: new Map(), methodName: "" };
  decodeMessage(bytes, "SignatureDef", (field, _wire, r) => {
    if (field === 1) sig.inputs.set(...decodeMapEntry(r.bytes(), "SignatureDef.inputs", decodeTensorInfo, emptyTensorInfo));
    else if (field === 2) sig.outputs.set(...decodeMapEntry(r.bytes(), "SignatureDef.outputs", decodeTensorInfo, emptyTensorInfo));
    else if (field === 3) sig.methodName = r.string();
    else return false;
  });
  return sig;
}

const emptySignature = (): SignatureDef => ({ inputs: new Map(), outputs: new Map(), methodName: "" });

function decodeMetaGraph(bytes: Uint8Array): MetaGraph {
  const graph: MetaGraph = { tags: [], nodes: [], functions: new Map(), signatures: new Map() };
  decodeMessage(bytes, "MetaGraphDef", (field, _wire, r: ProtoReader) => {
    if (field === 1) {
      decodeMessage(r.bytes(), "MetaInfoDef", (f, _w, mr) => {
        if (f !== 4) return false;
        graph.tags.push(mr.string());
      });
    } else if (field === 2) decodeGraphDef(r.bytes(), graph);
    else if (field === 5) graph.signatures.set(...decodeMapEntry(r.bytes(), "MetaGraphDef.signature_def", decodeSignatureDef, emptySignature));
    else return false;
  });
  return graph;
}

/** Parses saved_model.pb. */
export function decodeSavedModel(bytes: Uint8Array): SavedModel {
  const model: SavedModel = { schemaVersion: 0, metaGraphs: [] };
  decodeMessage(bytes, "saved_model.pb (SavedModel)", (field, wire, r) => {
    if (field === 1 && wire !== WIRE_BYTES) model.schemaVersion = readInt64(r);
    else if (field === 2 && wire === WIRE_BYTES) model.metaGraphs.push(decodeMetaGraph(r.bytes()));
    else return false;
  });
  return model;
}

/** tfhub_module.pb: ModuleDef{1: format}. FORMAT_V3 = 3 is the TF1 Hub format. */
export function decodeModuleDef(bytes: Uint8Array): { format: number } {
  const def = { format: 0 };
  decodeMessage(bytes, "tfhub_module.pb (ModuleDef)", (field, _wire, r) => {
    if (field !== 1) return false;
    def.format = r.int32();
  });
  return def;
}

export function nodeText(bytes: Uint8Array | undefined): string {
  return bytes ? text.decode(bytes) : "";
}
