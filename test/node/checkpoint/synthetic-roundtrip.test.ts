// Round trip: synthetic DELF weights written as a TensorFlow checkpoint (+ SavedModel + .datum PCA) by the
// test, imported, then extracted features equal those from the synthetic weights directly.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DT } from "../../../src/checkpoint/dtypes";
import { float32Bytes } from "../../../src/checkpoint/write";
import { createDelfModel, syntheticDelfModel, type DelfModel } from "../../../src/delf/model";
import { extractDelfFeatures } from "../../../src/delf/extract";
import { syntheticModelTensors } from "../../../src/delf/synthetic";
import { loadModelDirectoryFromDisk } from "../../../src/model/model-directory.node";
import { importModel } from "../../../scripts/commands/import-model";
import { featuresDigest, fixturePixels, FIXTURE_DIGESTS, FIXTURE_OPTIONS } from "../delf/fixture";
import { bestConvKernelFlavour } from "../../../src/delf/conv-engine/kernel";
import { startNodeRuntime } from "../delf/helpers";
import { delfModelFiles } from "./helpers/delf-checkpoint";
import { writeTarGz } from "./helpers/graph-writer";

describe("synthetic weights → checkpoint archive → import-model → extraction", () => {
  let work: string;
  let direct: DelfModel;
  beforeAll(async () => {
    await startNodeRuntime();
    work = mkdtempSync(join(tmpdir(), "delf-roundtrip-"));
    direct = syntheticDelfModel(1);
  });
  afterAll(() => {
    direct?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it("extracts exactly the same features as the synthetic model itself", async () => {
    const synthetic = syntheticModelTensors(1);
    const byName = new Map(synthetic.map((t) => [t.name, t]));
    const checkpoint = synthetic
      .filter((t) => !t.name.startsWith("pca/"))
      .map((t) => ({ name: t.name, dtype: DT.FLOAT, shape: t.shape, bytes: float32Bytes(t.values) }));
    const pca = { mean: byName.get("pca/mean")!.values, projection: byName.get("pca/projection")!.values, variances: byName.get("pca/variances")!.values };
    const archive = join(work, "delf_v1_20171026.tar.gz");
    writeFileSync(archive, await writeTarGz(delfModelFiles(checkpoint, { layout: "archive", withVariances: true, pca })));
    const out = join(work, "model");
    await importModel(archive, out, () => {});

    const loaded = await loadModelDirectoryFromDisk(out);
    expect(loaded.manifest.trained).toBe(true);
    const imported = createDelfModel(loaded.tensors, loaded.manifest);
    try {
      expect(imported.tensorCount).toBe(225);
      const a = await extractDelfFeatures(direct, fixturePixels(), FIXTURE_OPTIONS);
      const b = await extractDelfFeatures(imported, fixturePixels(), FIXTURE_OPTIONS);
      expect(b.count).toBe(13);
      // The same literal digest test/node/delf/model.test.ts expects from syntheticDelfModel(1).
      expect(await featuresDigest(a)).toBe(FIXTURE_DIGESTS[bestConvKernelFlavour()!]);
      expect(await featuresDigest(b)).toBe(await featuresDigest(a));
      expect(Array.from(b.descriptors)).toEqual(Array.from(a.descriptors));
    } finally {
      imported.dispose();
    }
  });
});
