/** A full-size DELF checkpoint + SavedModel-style inputs written by tests (deterministic pseudo-random values). */
import { delfCheckpointTensors } from "../../../../src/model/delf-tensors";
import { DT } from "../../../../src/checkpoint/dtypes";
import { float32Bytes, writeBundle, type TensorToWrite } from "../../../../src/checkpoint/write";
import { writeDatum, writeSavedModel, type GraphNode } from "./graph-writer";

/** Values in [-0.5, 0.5) from a 32-bit LCG (same seed → same values). */
export function pseudoRandom(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

export function delfTensorsToWrite(values: (name: string, shape: number[], i: number) => Float32Array, extra: TensorToWrite[] = []): TensorToWrite[] {
  return [
    ...delfCheckpointTensors().map((spec, i) => ({
      name: spec.name,
      dtype: DT.FLOAT,
      shape: spec.shape,
      bytes: float32Bytes(values(spec.name, spec.shape, i)),
    })),
    ...extra,
  ];
}

export const PCA_MEAN = pseudoRandom(1024, 11);
export const PCA_PROJECTION = pseudoRandom(1024 * 1024, 12);
export const PCA_VARIANCES = Float32Array.from(pseudoRandom(1024, 13), (v) => v + 1);

/** The graph facts tests assert on: NMS IoU 1.0, BN epsilon 1e-5, ResizeBilinear false/false, input scaling Consts. */
export function delfGraphNodes(withPcaConsts: boolean): GraphNode[] {
  const nodes: GraphNode[] = [
    { name: "input_image", op: "Placeholder", attrs: { dtype: { type: DT.UINT8 } } },
    { name: "Cast", op: "Cast", inputs: ["input_image"] },
    { name: "sub/y", op: "Const", shape: [], floats: [128] },
    { name: "sub", op: "Sub", inputs: ["Cast", "sub/y"] },
    { name: "truediv/y", op: "Const", shape: [], floats: [128] },
    { name: "truediv", op: "RealDiv", inputs: ["sub", "truediv/y"] },
    { name: "ResizeBilinear", op: "ResizeBilinear", inputs: ["truediv", "size"], attrs: { align_corners: { b: false }, half_pixel_centers: { b: false } } },
    { name: "resnet_v1_50/conv1/BatchNorm/FusedBatchNorm", op: "FusedBatchNorm", inputs: ["x"], attrs: { epsilon: { f: 1e-5 } } },
    { name: "resnet_v1_50/block1/unit_1/bottleneck_v1/conv1/BatchNorm/FusedBatchNorm", op: "FusedBatchNorm", inputs: ["x"], attrs: { epsilon: { f: 1e-5 } } },
    { name: "iou_threshold", op: "Const", shape: [], floats: [1.0] },
    { name: "iou_threshold/read", op: "Identity", inputs: ["iou_threshold"] },
    { name: "NonMaxSuppressionV2", op: "NonMaxSuppressionV2", inputs: ["boxes", "scores", "max_output_size", "iou_threshold/read"] },
  ];
  if (withPcaConsts)
    nodes.push(
      { name: "pca/mean", op: "Const", shape: [1024], floats: PCA_MEAN },
      { name: "pca/proj", op: "Const", shape: [1024, 1024], floats: PCA_PROJECTION },
    );
  return nodes;
}

export function delfSavedModel(opts: { hub: boolean }): Uint8Array {
  return writeSavedModel([
    {
      tags: opts.hub ? [] : ["serve"],
      nodes: delfGraphNodes(opts.hub),
      signatures: {
        [opts.hub ? "default" : "serving_default"]: {
          inputs: { image: { name: "input_image:0", dtype: DT.UINT8 } },
          outputs: { boxes: { name: "boxes:0", dtype: DT.FLOAT }, features: { name: "features:0", dtype: DT.FLOAT } },
          methodName: opts.hub ? undefined : "tensorflow/serving/predict",
        },
      },
    },
  ]);
}

/**
 * The archive layout (delf_v1_20171026/model/… + delf_v1_20171026/pca/*.datum) or a hub module layout
 * (tfhub_module.pb, PCA as graph Consts) as a file map.
 */
export function delfModelFiles(
  tensors: TensorToWrite[],
  opts: { layout: "archive" | "hub"; shards?: number; withVariances?: boolean; pca?: { mean: Float32Array; projection: Float32Array; variances: Float32Array } },
): Map<string, Uint8Array> {
  const pca = opts.pca ?? { mean: PCA_MEAN, projection: PCA_PROJECTION, variances: PCA_VARIANCES };
  const { index, shards } = writeBundle(tensors, { numShards: opts.shards ?? 1 });
  const root = opts.layout === "archive" ? "delf_v1_20171026/model/" : "";
  const files = new Map<string, Uint8Array>();
  files.set(`${root}saved_model.pb`, delfSavedModel({ hub: opts.layout === "hub" }));
  files.set(`${root}variables/variables.index`, index);
  shards.forEach((s, i) => files.set(`${root}variables/variables.data-${String(i).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}`, s));
  if (opts.layout === "hub") files.set("tfhub_module.pb", Uint8Array.of(0x08, 0x03));
  else {
    files.set("delf_v1_20171026/pca/mean.datum", writeDatum([1024], pca.mean));
    files.set("delf_v1_20171026/pca/pca_proj_mat.datum", writeDatum([1024, 1024], pca.projection));
    if (opts.withVariances) files.set("delf_v1_20171026/pca/pca_vars.datum", writeDatum([1024], pca.variances));
  }
  return files;
}
