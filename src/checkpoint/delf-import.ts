/**
 * Official DELF weights → the tensors of a model directory (runtime-agnostic; the CLI writes them).
 * Sources: the archive delf_v1_20171026.tar.gz (SavedModel in model/ + PCA in pca/*.datum), a SavedModel
 * directory, or the TF1 hub module google/delf/1 (PCA as graph Consts). Checks every required tensor by
 * name, shape, dtype and CRC32C; everything else in the checkpoint is reported as unused.
 */
import { delfCheckpointTensors, PCA_TENSORS, PCA_VARIANCES } from "../model/delf-tensors";
import { checkTensorSet } from "../model/model-directory";
import { dataFileName, readBundleIndex, readFloat32Tensor, type BundleIndex } from "./bundle";
import { decodeDatum } from "./datum";
import { DT, dtypeName } from "./dtypes";
import { CheckpointError } from "./errors";
import { decodeModuleDef, decodeSavedModel, type MetaGraph } from "./graph-messages";
import { parentDir, type ModelFiles } from "./model-files";
import { constFloat32, findFloatConsts, graphReport, selectMetaGraph, type GraphReport } from "./saved-model";

export interface ImportedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface DelfImport {
  /** Checkpoint tensors in network order, then pca/mean, pca/projection (and pca/variances when present). */
  tensors: ImportedTensor[];
  /** Checkpoint keys not used by the model (optimizer slots, global_step, …). */
  unusedKeys: string[];
  checkpointPrefix: string;
  /** Scope prefix of the checkpoint keys before the official names ("" for the official files as far as known). */
  keyPrefix: string;
  savedModelPath: string | null;
  /** ModuleDef.format of tfhub_module.pb when the source is a TF1 hub module (3 = FORMAT_V3). */
  hubModuleFormat: number | null;
  pca: {
    source: string;
    /** When both .datum files and PCA-shaped graph Consts exist: whether they hold identical values. */
    graphConstsEqualDatum: boolean | null;
  };
  /** Graph facts the spec marks UNCONFIRMED (NMS IoU, input ops, BN epsilon, resize flags, signatures). */
  graph: GraphReport | null;
}

export type Progress = (message: string) => void;

const shortest = (paths: string[]) => [...paths].sort((a, b) => a.length - b.length || a.localeCompare(b))[0];

function findCheckpointIndex(files: ModelFiles, savedModelPath: string | null): string {
  if (savedModelPath !== null) {
    const expected = `${parentDir(savedModelPath)}variables/variables.index`;
    if (files.paths.includes(expected)) return expected;
    throw new CheckpointError("missing", `${files.description}: ${savedModelPath} has no ${expected} next to it`);
  }
  const indexes = files.paths.filter((p) => p.endsWith(".index"));
  if (indexes.length === 0)
    throw new CheckpointError("missing", `${files.description} holds no saved_model.pb and no checkpoint .index file`);
  return shortest(indexes);
}

async function readShards(files: ModelFiles, prefix: string, index: BundleIndex, progress: Progress): Promise<Uint8Array[]> {
  const shards: Uint8Array[] = [];
  for (let i = 0; i < index.header.numShards; i++) {
    const path = dataFileName(prefix, i, index.header.numShards);
    if (!files.paths.includes(path))
      throw new CheckpointError("missing", `${files.description}: checkpoint data shard ${path} is missing`);
    progress(`reading ${path}`);
    shards.push(await files.read(path));
  }
  return shards;
}

/**
 * The scope prefix the checkpoint puts before the official names ("" normally; e.g. "module/" if an exporter
 * wrapped the graph in a scope), found from the first ResNet kernel. Only used when every required name exists
 * under it.
 */
function findKeyPrefix(index: BundleIndex): string {
  const anchor = "resnet_v1_50/conv1/weights";
  if (index.byName.has(anchor)) return "";
  const candidates = index.tensors.filter((t) => t.name.endsWith(`/${anchor}`)).map((t) => t.name.slice(0, -anchor.length));
  return candidates.length === 1 && delfCheckpointTensors().every((s) => index.byName.has(candidates[0] + s.name)) ? candidates[0] : "";
}

function checkpointTensors(index: BundleIndex, shards: Uint8Array[], keyPrefix: string, progress: Progress): ImportedTensor[] {
  const required = delfCheckpointTensors();
  const available = new Map(
    index.tensors.filter((t) => t.name.startsWith(keyPrefix)).map((t) => [t.name.slice(keyPrefix.length), t.shape]),
  );
  const problems = checkTensorSet(available, required);
  for (const spec of required) {
    const t = index.byName.get(keyPrefix + spec.name);
    if (t && t.dtype !== DT.FLOAT) problems.push(`tensor ${spec.name} has dtype ${dtypeName(t.dtype)}, expected float32`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 12).join("\n  ");
    throw new CheckpointError(
      "missing",
      `the checkpoint is not the DELF v1 model: ${problems.length} of the ${required.length} required tensors are missing or wrong:\n  ${shown}${problems.length > 12 ? `\n  … (+${problems.length - 12} more)` : ""}`,
    );
  }
  const tensors: ImportedTensor[] = [];
  required.forEach((spec, i) => {
    if (i % 40 === 0) progress(`checking tensors ${i + 1}–${Math.min(i + 40, required.length)} of ${required.length} (CRC32C)`);
    tensors.push({ name: spec.name, shape: spec.shape, values: readFloat32Tensor(index, index.byName.get(keyPrefix + spec.name)!, shards) });
  });
  return tensors;
}

function expectShape(what: string, shape: number[], expected: number[]): void {
  if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i]))
    throw new CheckpointError("invalid", `${what} has shape [${shape.join(",")}], expected [${expected.join(",")}]`);
}

async function pcaFromDatum(files: ModelFiles): Promise<{ tensors: ImportedTensor[]; paths: string[] } | null> {
  const find = (file: string) => shortest(files.paths.filter((p) => p === `pca/${file}` || p.endsWith(`/pca/${file}`)));
  const meanPath = find("mean.datum");
  const projectionPath = find("pca_proj_mat.datum");
  if (!meanPath && !projectionPath) return null;
  if (!meanPath || !projectionPath)
    throw new CheckpointError("missing", `${files.description}: found ${meanPath ?? projectionPath} but not ${meanPath ? "pca/pca_proj_mat.datum" : "pca/mean.datum"}`);
  const [mean, projection] = [decodeDatum(await files.read(meanPath), meanPath), decodeDatum(await files.read(projectionPath), projectionPath)];
  expectShape(meanPath, mean.shape, PCA_TENSORS[0].shape);
  expectShape(projectionPath, projection.shape, PCA_TENSORS[1].shape);
  const tensors = [
    { name: PCA_TENSORS[0].name, shape: PCA_TENSORS[0].shape, values: mean.values },
    { name: PCA_TENSORS[1].name, shape: PCA_TENSORS[1].shape, values: projection.values },
  ];
  const paths = [meanPath, projectionPath];
  const variancesPath = find("pca_vars.datum");
  if (variancesPath) {
    const variances = decodeDatum(await files.read(variancesPath), variancesPath);
    expectShape(variancesPath, variances.shape, PCA_VARIANCES.shape);
    tensors.push({ name: PCA_VARIANCES.name, shape: PCA_VARIANCES.shape, values: variances.values });
    paths.push(variancesPath);
  }
  return { tensors, paths };
}

/** The graph's PCA Consts: exactly one float [1024] and one [1024,1024] (by name /mean/, /proj/ if several). */
function pcaFromGraph(graph: MetaGraph): { tensors: ImportedTensor[]; names: string[] } | null {
  const pick = (shape: number[], hint: RegExp) => {
    const all = findFloatConsts(graph, [shape]);
    const hinted = all.filter((c) => hint.test(c.name));
    if (all.length === 1) return all[0].name;
    if (hinted.length === 1) return hinted[0].name;
    if (all.length > 1)
      throw new CheckpointError("invalid", `saved_model.pb has ${all.length} float Consts of shape [${shape.join(",")}] (${all.map((c) => c.name).join(", ")}); cannot tell which is the PCA parameter`);
    return null;
  };
  const mean = pick([1024], /mean/i);
  const projection = pick([1024, 1024], /proj/i);
  if (!mean && !projection) {
    const sliced = findFloatConsts(graph, [[40, 1024]]);
    if (sliced.length > 0)
      throw new CheckpointError("unsupported", `saved_model.pb holds a pre-sliced PCA projection [40,1024] (${sliced[0].name}); the model directory needs the full [1024,1024] matrix: import the archive with pca/*.datum instead`);
    return null;
  }
  if (!mean || !projection)
    throw new CheckpointError("missing", `saved_model.pb has a PCA ${mean ? "mean" : "projection"} Const (${mean ?? projection}) but no ${mean ? "[1024,1024] projection" : "[1024] mean"}`);
  return {
    tensors: [
      { name: PCA_TENSORS[0].name, shape: PCA_TENSORS[0].shape, values: constFloat32(graph, mean) },
      { name: PCA_TENSORS[1].name, shape: PCA_TENSORS[1].shape, values: constFloat32(graph, projection) },
    ],
    names: [mean, projection],
  };
}

const sameValues = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

export async function importDelf(files: ModelFiles, progress: Progress = () => {}): Promise<DelfImport> {
  const savedModelPath = shortest(files.paths.filter((p) => p === "saved_model.pb" || p.endsWith("/saved_model.pb"))) ?? null;
  const hubPath = savedModelPath !== null ? `${parentDir(savedModelPath)}tfhub_module.pb` : null;
  const hubModuleFormat = hubPath && files.paths.includes(hubPath) ? decodeModuleDef(await files.read(hubPath)).format : null;

  let graph: MetaGraph | undefined;
  if (savedModelPath !== null) {
    progress(`parsing ${savedModelPath}`);
    graph = selectMetaGraph(decodeSavedModel(await files.read(savedModelPath)));
    if (!graph) throw new CheckpointError("invalid", `${savedModelPath} holds no MetaGraphDef`);
  }

  const indexPath = findCheckpointIndex(files, savedModelPath);
  const prefix = indexPath.slice(0, -".index".length);
  progress(`reading ${indexPath}`);
  const index = readBundleIndex(await files.read(indexPath));
  const shards = await readShards(files, prefix, index, progress);
  const keyPrefix = findKeyPrefix(index);
  if (keyPrefix) progress(`checkpoint keys carry the prefix "${keyPrefix}"; it is removed`);
  const tensors = checkpointTensors(index, shards, keyPrefix, progress);
  const used = new Set(tensors.map((t) => keyPrefix + t.name));
  const unusedKeys = index.tensors.map((t) => t.name).filter((n) => !used.has(n));

  progress("reading the PCA parameters");
  const datum = await pcaFromDatum(files);
  const fromGraph = graph ? pcaFromGraph(graph) : null;
  if (!datum && !fromGraph)
    throw new CheckpointError("missing", `${files.description}: PCA parameters not found: no pca/mean.datum + pca/pca_proj_mat.datum, and no float Consts [1024] + [1024,1024] in saved_model.pb`);
  const pcaTensors = datum ? datum.tensors : fromGraph!.tensors;
  const graphConstsEqualDatum =
    datum && fromGraph ? sameValues(datum.tensors[0].values, fromGraph.tensors[0].values) && sameValues(datum.tensors[1].values, fromGraph.tensors[1].values) : null;

  return {
    tensors: [...tensors, ...pcaTensors],
    unusedKeys,
    checkpointPrefix: prefix,
    keyPrefix,
    savedModelPath,
    hubModuleFormat,
    pca: { source: datum ? datum.paths.join(", ") : `saved_model.pb Consts ${fromGraph!.names.join(", ")}`, graphConstsEqualDatum },
    graph: graph ? graphReport(graph) : null,
  };
}
