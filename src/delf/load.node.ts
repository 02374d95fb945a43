/** Node: a DelfModel from `--weights <dir|synthetic:SEED>` (CLI, benchmarks). */
import { loadModelDirectoryFromDisk } from "../model/model-directory.node.js";
import { createDelfModel, syntheticDelfModel, type DelfModel } from "./model";
import { parseSyntheticSpec } from "./synthetic";

export async function loadDelfModel(weights: string): Promise<DelfModel> {
  const seed = parseSyntheticSpec(weights);
  if (seed !== null) return syntheticDelfModel(seed);
  const { manifest, tensors } = await loadModelDirectoryFromDisk(weights);
  return createDelfModel(tensors, { trained: manifest.trained, source: manifest.source }, { consumeTensors: true });
}
