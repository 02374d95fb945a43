// Real TensorFlow-written files (../shared/data/tf-fixtures, see its SOURCES.md): every tensor read,
// every CRC checked, the documented values asserted exactly.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkTensor, readBundleIndex, readTensorBytes, readTensorValues, decodeStringTensor, readFloat32Tensor } from "../../../src/checkpoint/bundle";
import { readBundleFromDisk } from "../../../src/checkpoint/bundle.node";
import { dtypeName } from "../../../src/checkpoint/dtypes";
import { decodeModuleDef, decodeSavedModel } from "../../../src/checkpoint/graph-messages";
import { graphReport, selectMetaGraph } from "../../../src/checkpoint/saved-model";
import { tableBlocks } from "../../../src/checkpoint/table";
import { inspectCheckpoint } from "../../../scripts/commands/inspect-checkpoint";
import { importDelf } from "../../../src/checkpoint/delf-import";
import { readDirectoryFiles } from "../../../src/checkpoint/directory.node";

const FIXTURES = fileURLToPath(new URL("../../../../shared/data/tf-fixtures/", import.meta.url));
const haveShared = existsSync(FIXTURES);
if (!haveShared) console.warn(`skipping TensorFlow fixture tests: ../shared not found (${FIXTURES})`);

type Expected = Record<string, { dtype: string; shape: number[]; values?: Array<number | string> }>;
const f32 = (v: number) => ({ dtype: "float32", shape: [], values: [v] });
const OBJECT_GRAPH = { dtype: "string", shape: [] };

/** fixture dir (SavedModel or checkpoint prefix) → every tensor it holds, with the documented values. */
const FIXTURE_TENSORS: Record<string, Expected> = {
  "tfserving/saved_model_half_plus_two_cpu/00000123": { a: f32(0.5), a2: f32(0.5), b: f32(2), c: f32(3), c2: f32(3) },
  "tfserving/saved_model_half_plus_two_tf2_cpu/00000123": {
    "a/.ATTRIBUTES/VARIABLE_VALUE": f32(0.5), "b/.ATTRIBUTES/VARIABLE_VALUE": f32(2), "c/.ATTRIBUTES/VARIABLE_VALUE": f32(3), _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH,
  },
  "tfserving/saved_model_half_plus_three/00000123": { a: f32(0.5), b: f32(3), c: f32(3) },
  "tfserving/saved_model_counter/00000123": { counter: f32(0) },
  "tfserving/saved_model_half_plus_two_mkl/00000123": {
    a: f32(0.5), b: f32(2), c: f32(3),
    "conv2d/bias": { dtype: "float32", shape: [1], values: [0] },
    "conv2d/kernel": { dtype: "float32", shape: [1, 1, 1, 1], values: [-0.5223959684371948] },
    "conv2d_1/bias": { dtype: "float32", shape: [1], values: [0] },
    "conv2d_1/kernel": { dtype: "float32", shape: [1, 1, 1, 1], values: [-1.0451120138168335] },
    "conv2d_2/bias": { dtype: "float32", shape: [1], values: [0] },
    "conv2d_2/kernel": { dtype: "float32", shape: [1, 1, 1, 1], values: [1.577943205833435] },
  },
  "tfjs-node/times_three_float": { "v/.ATTRIBUTES/VARIABLE_VALUE": f32(3), _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH },
  "tfjs-node/times_two_int": { "v/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "int32", shape: [], values: [2] }, _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH },
  "tfjs-node/module_with_multiple_signatures": { "v/.ATTRIBUTES/VARIABLE_VALUE": f32(3), "two/.ATTRIBUTES/VARIABLE_VALUE": f32(2), _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH },
  "tfjs-node/model_multi_output": {
    "v/.ATTRIBUTES/VARIABLE_VALUE": f32(3), "two/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "int32", shape: [], values: [2] }, _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH,
  },
  "tfjs-node/int64_multiply": {
    "v1/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "int64", shape: [], values: [3] }, "v2/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "int64", shape: [], values: [2] }, _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH,
  },
  "tfjs-node/uint8_multiply": {
    "v1/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "int32", shape: [], values: [3] }, "v2/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "int32", shape: [], values: [2] }, _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH,
  },
  "tfhub/half_plus_two_v1": { a: f32(0.5), b: f32(2) },
  "tensorflow-rust/regression-model": { b: { dtype: "float32", shape: [1], values: [0] }, w: { dtype: "float32", shape: [1], values: [-0.8578622341156006] } },
  "tensorflow-rust/regression_savedmodel": {
    "w/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "float32", shape: [1], values: [0.20429754257202148] },
    "b/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "float32", shape: [1], values: [0] },
    "optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "int64", shape: [], values: [0] },
    "optimizer/learning_rate/.ATTRIBUTES/VARIABLE_VALUE": f32(0.5),
    "optimizer/decay/.ATTRIBUTES/VARIABLE_VALUE": f32(0),
    "optimizer/momentum/.ATTRIBUTES/VARIABLE_VALUE": f32(0),
    _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH,
  },
  "tensorflow-net/keras_python_func_model": {
    "layer_with_weights-0/matrix/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "float32", shape: [784, 10] },
    "optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE": { dtype: "int64", shape: [], values: [0] },
    "optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE": f32(0.0010000000474974513),
    "keras_api/metrics/0/total/.ATTRIBUTES/VARIABLE_VALUE": f32(0),
    "keras_api/metrics/0/count/.ATTRIBUTES/VARIABLE_VALUE": f32(0),
    "keras_api/metrics/1/total/.ATTRIBUTES/VARIABLE_VALUE": f32(0),
    "keras_api/metrics/1/count/.ATTRIBUTES/VARIABLE_VALUE": f32(0),
    _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH,
  },
  "checkpoints/tfjs_node_sharded_A/A": { "v/.ATTRIBUTES/VARIABLE_VALUE": f32(1), _CHECKPOINTABLE_OBJECT_GRAPH: OBJECT_GRAPH },
};

/** Documented string payload sizes of _CHECKPOINTABLE_OBJECT_GRAPH (SOURCES.md). */
const OBJECT_GRAPH_BYTES: Record<string, number> = {
  "tfserving/saved_model_half_plus_two_tf2_cpu/00000123": 613,
  "tensorflow-rust/regression_savedmodel": 531,
  "tensorflow-net/keras_python_func_model": 2800,
};

const indexPath = (fixture: string) => (fixture.endsWith("/A") ? `${FIXTURES}${fixture}.index` : `${FIXTURES}${fixture}/variables/variables.index`);

describe.skipIf(!haveShared)("TensorFlow-written checkpoints", () => {
  for (const [fixture, expected] of Object.entries(FIXTURE_TENSORS)) {
    it(`${fixture}: all tensors read, CRC32C ok, documented values`, async () => {
      const { index, shards } = await readBundleFromDisk(`${FIXTURES}${fixture}`);
      expect(index.header.endianness).toBe(0);
      expect(index.header.version.producer).toBe(1);
      expect(index.header.numShards).toBe(fixture.endsWith("/A") ? 2 : 1);
      expect(index.tensors.map((t) => t.name).sort()).toEqual(Object.keys(expected).sort());
      for (const t of index.tensors) {
        const want = expected[t.name];
        expect(dtypeName(t.dtype), t.name).toBe(want.dtype);
        expect(t.shape, t.name).toEqual(want.shape);
        expect(checkTensor(t, shards), t.name).toBe(true);
        if (want.values) expect(readTensorValues(index, t, shards), t.name).toEqual(want.values);
      }
    });
  }

  it("reads snappy-compressed data blocks of the TF 1.14 and TF 2.14 writers (and raw blocks elsewhere)", () => {
    const compressions = (fixture: string) => tableBlocks(readFileSync(indexPath(fixture))).map((b) => b.compression);
    expect(compressions("tfserving/saved_model_half_plus_two_cpu/00000123")).toEqual([0, 1]);
    expect(compressions("tfserving/saved_model_half_plus_two_tf2_cpu/00000123")).toEqual([0, 1]);
    expect(compressions("tfhub/half_plus_two_v1")).toEqual([0, 0]);
    expect(compressions("tfserving/saved_model_half_plus_three/00000123")).toEqual([0, 0]);
  });

  it("keras [784,10] matrix: documented first/last values, min, max, sum", async () => {
    const { index, shards } = await readBundleFromDisk(`${FIXTURES}tensorflow-net/keras_python_func_model`);
    const t = index.byName.get("layer_with_weights-0/matrix/.ATTRIBUTES/VARIABLE_VALUE")!;
    expect(t.entry.offset).toBe(0);
    expect(t.entry.size).toBe(31360);
    const v = readFloat32Tensor(index, t, shards);
    expect([v[0], v[1], v[2]]).toEqual([0.014042474329471588, 0.002040758728981018, 0.055593766272068024]);
    expect(v[v.length - 1]).toBe(0.00868041068315506);
    expect(Math.min(...v)).toBe(-0.086924247443676);
    expect(Math.max(...v)).toBe(0.08690442889928818);
    expect(v.reduce((s, x) => s + x, 0)).toBe(-0.8731423020362854);
  });

  it("string tensors: checksum over uint32 LE lengths + stored length checksum + bytes; documented sizes", async () => {
    for (const [fixture, size] of Object.entries(OBJECT_GRAPH_BYTES)) {
      const { index, shards } = await readBundleFromDisk(`${FIXTURES}${fixture}`);
      const t = index.byName.get("_CHECKPOINTABLE_OBJECT_GRAPH")!;
      const { strings } = decodeStringTensor(t, readTensorBytes(t, shards));
      expect(strings.map((s) => s.length), fixture).toEqual([size]);
    }
    // Flip one payload byte: the entry CRC (which covers the string bytes) must fail.
    const { index, shards } = await readBundleFromDisk(`${FIXTURES}tfserving/saved_model_half_plus_two_tf2_cpu/00000123`);
    const t = index.byName.get("_CHECKPOINTABLE_OBJECT_GRAPH")!;
    const copy = shards.map((s) => s.slice());
    copy[0][t.entry.offset + t.entry.size - 1] ^= 0x01;
    expect(checkTensor(t, copy)).toBe(false);
  });

  it("2-shard checkpoint tfjs_node_sharded_A: v=1.0 in shard 0, the object graph in shard 1", async () => {
    const { index } = await readBundleFromDisk(`${FIXTURES}checkpoints/tfjs_node_sharded_A/A`);
    expect(index.byName.get("v/.ATTRIBUTES/VARIABLE_VALUE")!.entry).toMatchObject({ shardId: 0, offset: 0, size: 4 });
    expect(index.byName.get("_CHECKPOINTABLE_OBJECT_GRAPH")!.entry).toMatchObject({ shardId: 1, offset: 0, size: 92 });
  });

  it("inspect-checkpoint lists any checkpoint with values (TF1 hub module, TF2 int64)", async () => {
    expect(await inspectCheckpoint(`${FIXTURES}tfhub/half_plus_two_v1`, true)).toEqual({
      numShards: 1,
      tensors: [
        { name: "a", dtype: "float32", shape: [], crc32cOk: true, values: [0.5] },
        { name: "b", dtype: "float32", shape: [], crc32cOk: true, values: [2] },
      ],
    });
    const int64 = await inspectCheckpoint(`${FIXTURES}tfjs-node/int64_multiply/variables/variables`, false);
    expect(int64.tensors.map((t) => [t.name, t.dtype, t.crc32cOk, t.values])).toEqual([
      ["_CHECKPOINTABLE_OBJECT_GRAPH", "string", true, undefined],
      ["v1/.ATTRIBUTES/VARIABLE_VALUE", "int64", true, undefined],
      ["v2/.ATTRIBUTES/VARIABLE_VALUE", "int64", true, undefined],
    ]);
  });

  it("index files parse from bytes alone (no file system)", () => {
    const index = readBundleIndex(new Uint8Array(readFileSync(indexPath("tfserving/saved_model_half_plus_two_cpu/00000123"))));
    expect(index.tensors.map((t) => [t.name, t.entry.offset])).toEqual([["a", 0], ["a2", 4], ["b", 8], ["c", 12], ["c2", 16]]);
  });
});

const signatures = (fixture: string) => {
  const model = decodeSavedModel(readFileSync(`${FIXTURES}${fixture}/saved_model.pb`));
  return graphReport(selectMetaGraph(model)!);
};

describe.skipIf(!haveShared)("TensorFlow-written saved_model.pb / tfhub_module.pb", () => {
  it("TF1 hub module: tfhub_module.pb = FORMAT_V3, empty tag set, signature default", () => {
    const moduleDef = readFileSync(`${FIXTURES}tfhub/half_plus_two_v1/tfhub_module.pb`);
    expect([...moduleDef]).toEqual([0x08, 0x03]);
    expect(decodeModuleDef(moduleDef).format).toBe(3);
    const model = decodeSavedModel(readFileSync(`${FIXTURES}tfhub/half_plus_two_v1/saved_model.pb`));
    expect(model.metaGraphs.length).toBe(1);
    expect(model.metaGraphs[0].tags).toEqual([]);
    expect(graphReport(model.metaGraphs[0]).signatures).toEqual({
      default: {
        methodName: "",
        inputs: { default: { name: "Placeholder:0", dtype: "float32", shape: null } },
        outputs: { default: { name: "add:0", dtype: "float32", shape: null } },
      },
    });
  });

  it("tfserving half_plus_two (TF 1.14): signatures and their tensors", () => {
    const r = signatures("tfserving/saved_model_half_plus_two_cpu/00000123");
    expect(r.tags).toEqual(["serve"]);
    expect(Object.keys(r.signatures).sort()).toEqual(["classify_x_to_y", "regress_x2_to_y3", "regress_x_to_y", "regress_x_to_y2", "serving_default"]);
    expect(r.signatures.serving_default).toEqual({
      methodName: "tensorflow/serving/predict",
      inputs: { x: { name: "x:0", dtype: "float32", shape: [-1, 1] } },
      outputs: { y: { name: "y:0", dtype: "float32", shape: [-1, 1] } },
    });
    expect(r.signatures.regress_x_to_y.inputs.inputs).toEqual({ name: "tf_example:0", dtype: "string", shape: null });
    expect(r.signatures.regress_x2_to_y3.inputs.inputs.name).toBe("x2:0");
    expect(r.signatures.regress_x2_to_y3.outputs.outputs.name).toBe("y3:0");
    expect(r.signatures.classify_x_to_y.outputs.scores.name).toBe("y:0");
  });

  it("TF2 SavedModels: serving_default in → out names; counter signatures; rust regression tags", () => {
    const tfjs = signatures("tfjs-node/module_with_multiple_signatures");
    expect(tfjs.signatures.serving_default.inputs.x.name).toBe("serving_default_x:0");
    expect(tfjs.signatures.serving_default.outputs.output_0.name).toBe("StatefulPartitionedCall:0");
    expect(tfjs.signatures.timestwo.inputs.x.name).toBe("timestwo_x:0");
    expect(tfjs.functionCount).toBeGreaterThan(0);
    const multi = signatures("tfjs-node/model_multi_output");
    expect(Object.keys(multi.signatures.serving_default.inputs).sort()).toEqual(["x", "y"]);
    expect(Object.keys(multi.signatures.serving_default.outputs).sort()).toEqual(["output_0", "output_1"]);
    const keras = signatures("tensorflow-net/keras_python_func_model");
    expect(keras.signatures.serving_default.inputs.input_1).toEqual({ name: "serving_default_input_1:0", dtype: "float32", shape: [-1, 784] });
    expect(Object.keys(keras.signatures.serving_default.outputs)).toEqual(["softmax"]);
    const counter = signatures("tfserving/saved_model_counter/00000123");
    expect(Object.keys(counter.signatures).sort()).toEqual(["get_counter", "incr_counter", "incr_counter_by", "reset_counter"]);
    expect(Object.keys(counter.signatures.incr_counter_by.inputs)).toEqual(["delta"]);
    expect(Object.keys(counter.signatures.get_counter.outputs)).toEqual(["output"]);
    const rust = signatures("tensorflow-rust/regression-model");
    expect(rust.tags).toEqual(["train", "serve"]);
    expect(rust.signatures["tensorflow/serving/regress"].outputs.out.name).toBe("y_hat:0");
  });
});

describe.skipIf(!haveShared)("import-model on a real (non-DELF) TF1 hub module", () => {
  it("reads it fully, then refuses it naming the missing DELF tensors", async () => {
    const files = await readDirectoryFiles(`${FIXTURES}tfhub/half_plus_two_v1`);
    expect(files.paths.sort()).toEqual(["saved_model.pb", "tfhub_module.pb", "variables/variables.data-00000-of-00001", "variables/variables.index"]);
    await expect(importDelf(files)).rejects.toThrow(
      /^the checkpoint is not the DELF v1 model: 222 of the 222 required tensors are missing or wrong:\n  missing tensor resnet_v1_50\/conv1\/weights \[7,7,3,64\]\n/,
    );
  });
});
