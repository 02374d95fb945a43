// End-to-end import of test-written full-size DELF checkpoints (archive layout with .datum PCA, hub module
// layout with PCA graph Consts) into model directories the loader accepts; failure modes name what is wrong.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importDelf } from "../../../src/checkpoint/delf-import";
import { DT } from "../../../src/checkpoint/dtypes";
import { CheckpointError } from "../../../src/checkpoint/errors";
import { modelFilesFromMap } from "../../../src/checkpoint/model-files";
import { float32Bytes, writeBundle, type TensorToWrite } from "../../../src/checkpoint/write";
import { delfCheckpointTensors } from "../../../src/model/delf-tensors";
import { loadModelDirectoryFromDisk } from "../../../src/model/model-directory.node";
import { importModel } from "../../../scripts/commands/import-model";
import { delfModelFiles, delfTensorsToWrite, PCA_MEAN, PCA_PROJECTION, PCA_VARIANCES, pseudoRandom } from "./helpers/delf-checkpoint";
import { writeTarGz } from "./helpers/graph-writer";

const REPO = join(dirname(new URL(import.meta.url).pathname), "../../..");
let work: string;
let tensors: TensorToWrite[];
const valuesOf = (i: number, shape: number[]) => pseudoRandom(shape.reduce((a, b) => a * b, 1), 1000 + i);
const EXTRA: TensorToWrite[] = [
  { name: "global_step", dtype: DT.INT64, shape: [], bytes: new Uint8Array(8) },
  { name: "resnet_v1_50/conv1/weights/Momentum", dtype: DT.FLOAT, shape: [7, 7, 3, 64], bytes: float32Bytes(new Float32Array(7 * 7 * 3 * 64)) },
];

function writeFiles(root: string, files: Map<string, Uint8Array>): void {
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), bytes);
  }
}

/** Index of the first differing element, -1 when equal (vitest's toEqual is very slow on 10⁶-element arrays). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

async function importError(files: Map<string, Uint8Array>): Promise<CheckpointError> {
  try {
    await importDelf(modelFilesFromMap("test input", files));
  } catch (error) {
    if (error instanceof CheckpointError) return error;
    throw error;
  }
  throw new Error("expected the import to fail");
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "delf-import-"));
  tensors = delfTensorsToWrite((_name, shape, i) => valuesOf(i, shape), EXTRA);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("import-model on test-written DELF checkpoints", () => {
  it("archive .tar.gz (SavedModel + pca/*.datum) → model directory accepted by loadModelDirectoryFromDisk", async () => {
    const archive = join(work, "delf_v1_20171026.tar.gz");
    writeFileSync(archive, await writeTarGz(delfModelFiles(tensors, { layout: "archive", withVariances: true })));
    const out = join(work, "model-from-archive");
    const messages: string[] = [];
    const { result } = await importModel(archive, out, (m) => messages.push(m));
    expect(messages.some((m) => m.startsWith("checking tensors 1–40 of 222"))).toBe(true);

    const loaded = await loadModelDirectoryFromDisk(out);
    expect(loaded.manifest.trained).toBe(true);
    expect(loaded.manifest.source).toContain("delf_v1_20171026.tar.gz");
    expect(Object.keys(loaded.manifest.sha256).length).toBeGreaterThan(1);
    const specs = delfCheckpointTensors();
    expect([...loaded.tensors.keys()]).toEqual([...specs.map((s) => s.name), "pca/mean", "pca/projection", "pca/variances"]);
    specs.forEach((spec, i) => expect(firstDifference(loaded.tensors.get(spec.name)!.values, valuesOf(i, spec.shape)), spec.name).toBe(-1));
    expect(firstDifference(loaded.tensors.get("pca/mean")!.values, PCA_MEAN)).toBe(-1);
    expect(firstDifference(loaded.tensors.get("pca/projection")!.values, PCA_PROJECTION)).toBe(-1);
    expect(firstDifference(loaded.tensors.get("pca/variances")!.values, PCA_VARIANCES)).toBe(-1);

    expect(result.unusedKeys).toEqual(["global_step", "resnet_v1_50/conv1/weights/Momentum"]);
    expect(result.checkpointPrefix).toBe("delf_v1_20171026/model/variables/variables");
    expect(result.keyPrefix).toBe("");
    expect(result.hubModuleFormat).toBeNull();
    expect(result.pca).toEqual({
      source: "delf_v1_20171026/pca/mean.datum, delf_v1_20171026/pca/pca_proj_mat.datum, delf_v1_20171026/pca/pca_vars.datum",
      graphConstsEqualDatum: null,
    });
    // The UNCONFIRMED graph facts are reported from saved_model.pb.
    const g = result.graph!;
    expect(g.tags).toEqual(["serve"]);
    expect(g.nmsIouThresholds).toEqual([{ node: "NonMaxSuppressionV2", op: "NonMaxSuppressionV2", iouThreshold: 1, from: "iou_threshold" }]);
    expect(g.batchNormEpsilons).toEqual([{ value: Math.fround(1e-5), count: 2, source: "FusedBatchNorm epsilon attr" }]);
    expect(g.resizeBilinear).toEqual([{ alignCorners: false, halfPixelCenters: false, count: 1 }]);
    expect(g.inputOps["serving_default/image"].slice(0, 3)).toEqual([
      { node: "Cast", op: "Cast", constants: {} },
      { node: "sub", op: "Sub", constants: { "sub/y": 128 } },
      { node: "truediv", op: "RealDiv", constants: { "truediv/y": 128 } },
    ]);
    expect(g.inputOps["placeholder:input_image"]).toEqual(g.inputOps["serving_default/image"]);
    expect(g.signatures.serving_default.outputs.features).toEqual({ name: "features:0", dtype: "float32", shape: null });
    expect(g.pcaCandidates).toEqual([]);
  });

  it("TF1 hub module directory (2 shards, PCA as graph Consts, empty tag set) → model directory", async () => {
    const dir = join(work, "hub-module");
    writeFiles(dir, delfModelFiles(tensors, { layout: "hub", shards: 2 }));
    const out = join(work, "model-from-hub");
    const { result } = await importModel(dir, out, () => {});
    const loaded = await loadModelDirectoryFromDisk(out);
    expect(firstDifference(loaded.tensors.get("pca/mean")!.values, PCA_MEAN)).toBe(-1);
    expect(firstDifference(loaded.tensors.get("pca/projection")!.values, PCA_PROJECTION)).toBe(-1);
    expect(loaded.tensors.has("pca/variances")).toBe(false);
    expect(firstDifference(loaded.tensors.get("attention_block/attention/compute/conv2/biases")!.values, valuesOf(221, [1]))).toBe(-1);
    expect(result.hubModuleFormat).toBe(3);
    expect(result.graph!.tags).toEqual([]);
    expect(result.pca.source).toBe("saved_model.pb Consts pca/mean, pca/proj");
    expect(result.graph!.pcaCandidates).toEqual([{ name: "pca/mean", shape: [1024] }, { name: "pca/proj", shape: [1024, 1024] }]);
  });

  it("a missing required tensor → error naming it (and a wrong shape → error naming both shapes)", async () => {
    const missing = "resnet_v1_50/block2/unit_3/bottleneck_v1/conv2/BatchNorm/gamma";
    const without = tensors.filter((t) => t.name !== missing);
    const error = await importError(delfModelFiles(without, { layout: "archive" }));
    expect(error.code).toBe("missing");
    expect(error.message).toContain("1 of the 222 required tensors are missing or wrong");
    expect(error.message).toContain(`missing tensor ${missing} [128]`);

    const reshaped = tensors.map((t) => (t.name === "resnet_v1_50/conv1/weights" ? { ...t, shape: [3, 7, 7, 64] } : t));
    const shapeError = await importError(delfModelFiles(reshaped, { layout: "archive" }));
    expect(shapeError.message).toContain("tensor resnet_v1_50/conv1/weights has shape [3,7,7,64], expected [7,7,3,64]");
  });

  it("a corrupt tensor byte → error naming the tensor; no PCA anywhere → error saying so", async () => {
    const files = delfModelFiles(tensors, { layout: "archive" });
    const data = files.get("delf_v1_20171026/model/variables/variables.data-00000-of-00001")!.slice();
    data[2] ^= 0x40; // inside the first tensor in key order
    files.set("delf_v1_20171026/model/variables/variables.data-00000-of-00001", data);
    const error = await importError(files);
    expect(error.code).toBe("corrupt");
    expect(error.message).toMatch(/^tensor attention_block\/attention\/compute\/conv1\/BatchNorm\/beta: CRC32C mismatch/);

    const noPca = delfModelFiles(tensors, { layout: "archive" });
    noPca.delete("delf_v1_20171026/pca/mean.datum");
    noPca.delete("delf_v1_20171026/pca/pca_proj_mat.datum");
    expect((await importError(noPca)).message).toContain("PCA parameters not found");
  });

  it("keys under one extra scope (e.g. module/) are mapped to the official names and reported", async () => {
    const prefixed = tensors.map((t) => ({ ...t, name: `module/${t.name}` }));
    const result = await importDelf(modelFilesFromMap("prefixed", delfModelFiles(prefixed, { layout: "hub" })));
    expect(result.keyPrefix).toBe("module/");
    expect(result.tensors.slice(0, 2).map((t) => t.name)).toEqual(["resnet_v1_50/conv1/weights", "resnet_v1_50/conv1/BatchNorm/gamma"]);
    expect(firstDifference(result.tensors[0].values, valuesOf(0, [7, 7, 3, 64]))).toBe(-1);
    expect(result.unusedKeys).toEqual(["module/global_step", "module/resnet_v1_50/conv1/weights/Momentum"]);
  });

  it("a truncated .tar.gz or .tar → clear error", async () => {
    const gz = await writeTarGz(new Map([["a/saved_model.pb", new Uint8Array(5000).fill(7)]]));
    writeFileSync(join(work, "cut.tar.gz"), gz.subarray(0, gz.length - 30));
    await expect(importModel(join(work, "cut.tar.gz"), join(work, "never"), () => {})).rejects.toThrow(/cut\.tar\.gz: gzip data is corrupt or truncated/);
    writeFileSync(join(work, "cut.tar"), gunzipSync(gz).subarray(0, 2000));
    await expect(importModel(join(work, "cut.tar"), join(work, "never"), () => {})).rejects.toThrow(/^archive is not a valid tar file/);
  });

  it("CLI: import-model exits 1 naming the missing tensor; inspect-checkpoint --values --json prints the contract", async () => {
    const dir = join(work, "incomplete");
    writeFiles(dir, delfModelFiles(tensors.filter((t) => t.name !== "attention_block/attention/compute/conv2/biases"), { layout: "hub" }));
    const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: REPO, encoding: "utf8" });
    const failed = cli("import-model", dir, "--out", join(work, "never"));
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("missing tensor attention_block/attention/compute/conv2/biases [1]");

    const listed = cli("inspect-checkpoint", dir, "--json");
    expect(listed.status).toBe(0);
    const all = JSON.parse(listed.stdout) as { tensors: Array<{ name: string; crc32cOk: boolean; values?: unknown }> };
    expect(all.tensors.length).toBe(221 + EXTRA.length);
    expect(all.tensors.every((t) => t.crc32cOk && t.values === undefined)).toBe(true);

    const small = writeBundle([
      { name: "step", dtype: DT.INT64, shape: [], bytes: new Uint8Array(new BigInt64Array([42n]).buffer) },
      { name: "w", dtype: DT.FLOAT, shape: [2, 1], bytes: float32Bytes([0.5, -1.25]) },
    ]);
    writeFileSync(join(work, "small.index"), small.index);
    writeFileSync(join(work, "small.data-00000-of-00001"), small.shards[0]);
    const inspected = cli("inspect-checkpoint", join(work, "small"), "--values", "--json");
    expect(inspected.status).toBe(0);
    expect(JSON.parse(inspected.stdout)).toEqual({
      tensors: [
        { name: "step", dtype: "int64", shape: [], crc32cOk: true, values: [42] },
        { name: "w", dtype: "float32", shape: [2, 1], crc32cOk: true, values: [0.5, -1.25] },
      ],
    });
  });
});
