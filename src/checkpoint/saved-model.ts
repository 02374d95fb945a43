/**
 * Queries over a parsed SavedModel: Const values by shape (the hub module's PCA parameters) and the graph
 * facts the spec lists as UNCONFIRMED (§12: NMS IoU, input scaling ops, BN epsilon, resize flags, signatures).
 */
import { dtypeName, DT } from "./dtypes";
import {
  nodeText,
  tensorProtoFloat32,
  tensorProtoValues,
  type MetaGraph,
  type NodeDef,
  type SavedModel,
} from "./graph-messages";
import type { TensorShape } from "./bundle-messages";

const shapeDims = (s: TensorShape | undefined) => (s && !s.unknownRank ? s.dims : null);

/** Node name of an input reference ("^ctrl", "name:1", "name:output:0" → "name"). */
export function inputNodeName(input: string): string {
  return input.replace(/^\^/, "").split(":")[0];
}

export interface FloatConst {
  name: string;
  shape: number[];
}

function constShape(node: NodeDef): number[] | null {
  return node.op === "Const" ? shapeDims(node.attrs.get("value")?.tensor?.shape) : null;
}

/** float32 Const nodes of the main graph whose shape is one of `shapes`. */
export function findFloatConsts(graph: MetaGraph, shapes: readonly number[][]): FloatConst[] {
  const found: FloatConst[] = [];
  for (const node of graph.nodes) {
    const shape = constShape(node);
    if (!shape || node.attrs.get("dtype")?.type !== DT.FLOAT) continue;
    if (shapes.some((s) => s.length === shape.length && s.every((d, i) => d === shape[i]))) found.push({ name: node.name, shape });
  }
  return found;
}

export function constFloat32(graph: MetaGraph, name: string): Float32Array {
  const node = graph.nodes.find((n) => n.name === name && n.op === "Const");
  const tensor = node?.attrs.get("value")?.tensor;
  if (!tensor) throw new RangeError(`no Const node ${name}`);
  return tensorProtoFloat32(tensor);
}

type Scalar = number | string | boolean | null;

/** Value of the Const behind `input` (following Identity/Enter), small tensors only; null if not a Const. */
function constBehind(nodes: Map<string, NodeDef>, input: string): { node: string; value: Scalar | Scalar[] } | null {
  let node = nodes.get(inputNodeName(input));
  for (let hops = 0; node && (node.op === "Identity" || node.op === "Enter") && hops < 8; hops++)
    node = nodes.get(inputNodeName(node.inputs[0] ?? ""));
  const tensor = node?.op === "Const" ? node.attrs.get("value")?.tensor : undefined;
  if (!node || !tensor) return null;
  const count = tensor.shape.dims.reduce((a, b) => a * b, 1);
  if (count > 16) return { node: node.name, value: `<${count} values>` };
  const values = tensor.dtype === DT.STRING ? tensor.strings.map(nodeText) : tensorProtoValues(tensor);
  return { node: node.name, value: tensor.shape.dims.length === 0 ? (values[0] ?? null) : values };
}

export interface SignatureReport {
  methodName: string;
  inputs: Record<string, { name: string; dtype: string; shape: number[] | null }>;
  outputs: Record<string, { name: string; dtype: string; shape: number[] | null }>;
}

export interface GraphReport {
  tags: string[];
  nodeCount: number;
  functionCount: number;
  signatures: Record<string, SignatureReport>;
  /** NonMaxSuppression* nodes and their IoU threshold (input 3 or the attr of the V1 op). */
  nmsIouThresholds: Array<{ node: string; op: string; iouThreshold: Scalar | Scalar[]; from: string | null }>;
  /** Distinct BatchNorm epsilons: FusedBatchNorm* `epsilon` attrs, or the `batchnorm/add/y` Consts of unfused BN. */
  batchNormEpsilons: Array<{ value: number; count: number; source: string }>;
  /** Distinct ResizeBilinear flag combinations. */
  resizeBilinear: Array<{ alignCorners: boolean; halfPixelCenters: boolean; count: number }>;
  /** The first ops downstream of each signature input and Placeholder, with the constant operands they use. */
  inputOps: Record<string, Array<{ node: string; op: string; constants: Record<string, Scalar | Scalar[]> }>>;
  /** float32 Consts shaped like PCA parameters ([1024], [1024,1024], [40,1024]). */
  pcaCandidates: FloatConst[];
}

function allNodes(graph: MetaGraph): NodeDef[] {
  return [...graph.nodes, ...[...graph.functions.values()].flat()];
}

function countDistinct<T>(items: T[], key: (t: T) => string): Array<{ item: T; count: number }> {
  const byKey = new Map<string, { item: T; count: number }>();
  for (const item of items) {
    const k = key(item);
    const seen = byKey.get(k);
    if (seen) seen.count++;
    else byKey.set(k, { item, count: 1 });
  }
  return [...byKey.values()];
}

function nmsReport(graph: MetaGraph, nodes: Map<string, NodeDef>): GraphReport["nmsIouThresholds"] {
  return allNodes(graph)
    .filter((n) => n.op.startsWith("NonMaxSuppression"))
    .map((n) => {
      if (n.op === "NonMaxSuppression") return { node: n.name, op: n.op, iouThreshold: n.attrs.get("iou_threshold")?.f ?? null, from: "attr iou_threshold" };
      const c = n.inputs[3] === undefined ? null : constBehind(nodes, n.inputs[3]);
      return { node: n.name, op: n.op, iouThreshold: c?.value ?? null, from: c?.node ?? n.inputs[3] ?? null };
    });
}

function epsilonReport(graph: MetaGraph, nodes: Map<string, NodeDef>): GraphReport["batchNormEpsilons"] {
  const values: Array<{ value: number; source: string }> = [];
  for (const n of allNodes(graph)) {
    if (n.op.startsWith("FusedBatchNorm")) values.push({ value: n.attrs.get("epsilon")?.f ?? NaN, source: `${n.op} epsilon attr` });
    else if (/\/batchnorm\/add\/y$/.test(n.name) && n.op === "Const") {
      const c = constBehind(nodes, n.name);
      if (typeof c?.value === "number") values.push({ value: c.value, source: "batchnorm/add/y Const" });
    }
  }
  return countDistinct(values, (v) => `${v.value}|${v.source}`).map(({ item, count }) => ({ ...item, count }));
}

function resizeReport(graph: MetaGraph): GraphReport["resizeBilinear"] {
  const flags = allNodes(graph)
    .filter((n) => n.op === "ResizeBilinear")
    .map((n) => ({ alignCorners: n.attrs.get("align_corners")?.b ?? false, halfPixelCenters: n.attrs.get("half_pixel_centers")?.b ?? false }));
  return countDistinct(flags, (f) => `${f.alignCorners}|${f.halfPixelCenters}`).map(({ item, count }) => ({ ...item, count }));
}

/**
 * Breadth-first walk from each signature input (key "<signature>/<input>") and each Placeholder
 * (key "placeholder:<name>"; graphs exported without signatures) through its consumers (at most `limit` ops).
 */
function inputOpsReport(graph: MetaGraph, nodes: Map<string, NodeDef>, limit = 12): GraphReport["inputOps"] {
  const consumers = new Map<string, NodeDef[]>();
  for (const n of graph.nodes)
    for (const input of n.inputs) {
      if (input.startsWith("^")) continue;
      const from = inputNodeName(input);
      const list = consumers.get(from);
      if (list) list.push(n);
      else consumers.set(from, [n]);
    }
  const starts: Array<[string, string]> = [];
  for (const [sigName, sig] of graph.signatures) for (const [key, info] of sig.inputs) starts.push([`${sigName}/${key}`, inputNodeName(info.name)]);
  for (const n of graph.nodes) if (n.op === "Placeholder" || n.op === "PlaceholderWithDefault") starts.push([`placeholder:${n.name}`, n.name]);
  const report: GraphReport["inputOps"] = {};
  for (const [label, start] of starts) {
    const seen = new Set([start]);
    const queue = [start];
    const ops: GraphReport["inputOps"][string] = [];
    while (queue.length > 0 && ops.length < limit) {
      for (const next of consumers.get(queue.shift()!) ?? []) {
        if (seen.has(next.name) || ops.length >= limit) continue;
        seen.add(next.name);
        queue.push(next.name);
        const constants: Record<string, Scalar | Scalar[]> = {};
        for (const input of next.inputs) {
          const c = input.startsWith("^") ? null : constBehind(nodes, input);
          if (c) constants[c.node] = c.value;
        }
        ops.push({ node: next.name, op: next.op, constants });
      }
    }
    report[label] = ops;
  }
  return report;
}

function signatureReport(graph: MetaGraph): GraphReport["signatures"] {
  const describe = (m: Map<string, { name: string; dtype: number; shape?: TensorShape }>) =>
    Object.fromEntries([...m].map(([k, v]) => [k, { name: v.name, dtype: dtypeName(v.dtype), shape: shapeDims(v.shape) }]));
  return Object.fromEntries(
    [...graph.signatures].map(([name, s]) => [name, { methodName: s.methodName, inputs: describe(s.inputs), outputs: describe(s.outputs) }]),
  );
}

export function graphReport(graph: MetaGraph): GraphReport {
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  return {
    tags: graph.tags,
    nodeCount: graph.nodes.length,
    functionCount: graph.functions.size,
    signatures: signatureReport(graph),
    nmsIouThresholds: nmsReport(graph, nodes),
    batchNormEpsilons: epsilonReport(graph, nodes),
    resizeBilinear: resizeReport(graph),
    inputOps: inputOpsReport(graph, nodes),
    pcaCandidates: findFloatConsts(graph, [[1024], [1024, 1024], [40, 1024]]),
  };
}

/** The MetaGraph to use: tagged "serve", else the one with an empty tag set (TF1 Hub modules), else the first. */
export function selectMetaGraph(model: SavedModel): MetaGraph | undefined {
  return model.metaGraphs.find((g) => g.tags.includes("serve")) ?? model.metaGraphs.find((g) => g.tags.length === 0) ?? model.metaGraphs[0];
}
