// The CLI contracts of issue 6: `extract … --json` output shape and coordinates, `export-weights`.
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { run as extract } from "../../../scripts/commands/extract";
import { run as exportWeights } from "../../../scripts/commands/export-weights";
import { loadModelDirectoryFromDisk } from "../../../src/model/model-directory.node";
import { haveShared, SHARED_DATA, warnIfNoShared } from "./helpers";

warnIfNoShared("DELF CLI tests");

/** Runs a command, returning its exit code and what it wrote to stdout. */
async function capture(command: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    return { code: await command(argv), stdout };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("export-weights", () => {
  const dir = mkdtempSync(join(tmpdir(), "delf-export-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a loadable synthetic model directory with trained: false", async () => {
    expect((await capture(exportWeights, ["--weights", "synthetic:3", "--out", dir])).code).toBe(0);
    const { manifest, tensors } = await loadModelDirectoryFromDisk(dir);
    expect([manifest.format, manifest.trained, manifest.source]).toEqual(["delf-v1", false, "synthetic:3"]);
    expect(tensors.size).toBe(225);
  });

  it("refuses a missing or non-synthetic --weights with exit code 2", async () => {
    expect((await capture(exportWeights, ["--out", dir])).code).toBe(2);
    expect((await capture(exportWeights, ["--weights", "/some/dir", "--out", dir])).code).toBe(2);
  });
});

describe.skipIf(!haveShared)("extract --json", () => {
  it("--fit none: the golden's [x, y] locations and scales, the JSON shape", async () => {
    const image = `${SHARED_DATA}delf-golden/box_in_scene_232x176.png`;
    const { code, stdout } = await capture(extract, [image, "--weights", `${SHARED_DATA}delf-golden/model`, "--fit", "none", "--threshold", "0", "--scales", "0.5,1.0,1.4142", "--json"]);
    expect(code).toBe(0);
    const ours = JSON.parse(stdout);
    const golden = JSON.parse(await readFile(`${SHARED_DATA}delf-golden/golden_232x176_3scales_t0.json`, "utf8"));
    expect(Object.keys(ours).sort()).toEqual(["descriptors", "image", "locations", "processed", "scales", "scores", "trained"]);
    expect(ours.image).toEqual({ width: 232, height: 176 });
    expect(ours.processed).toEqual({ width: 232, height: 176 });
    expect(ours.trained).toBe(false);
    expect(ours.locations.length).toBe(148);
    const key = (l: number[], s: number) => `${l[0]},${l[1]},${s.toFixed(4)}`;
    expect(new Set(ours.locations.map((l: number[], i: number) => key(l, ours.scales[i])))).toEqual(
      new Set(golden.locations.map((l: number[], i: number) => key(l, golden.scales[i]))),
    );
    expect(ours.descriptors[0].length).toBe(40);
  });

  it("--fit 256 (default): locations are in ORIGINAL pixels (800×640 graf: crop x 80…720, ×2.5)", async () => {
    const { code, stdout } = await capture(extract, [`${SHARED_DATA}pairs/graf/img1.png`, "--weights", "synthetic:1", "--scales", "1.0", "--threshold", "0", "--json"]);
    expect(code).toBe(0);
    const ours = JSON.parse(stdout);
    expect(ours.image).toEqual({ width: 800, height: 640 });
    expect(ours.processed).toEqual({ width: 256, height: 256 });
    expect(ours.locations.length).toBe(64);
    // processed cell centres 32·j map to 80 + (32·j + 0.5)·2.5 − 0.5 = 80.75 + 80·j (x), 0.75 + 80·i (y)
    const xs = new Set<number>(ours.locations.map((l: number[]) => l[0]));
    const ys = new Set<number>(ours.locations.map((l: number[]) => l[1]));
    expect([...xs].sort((a, b) => a - b)).toEqual([80.75, 160.75, 240.75, 320.75, 400.75, 480.75, 560.75, 640.75]);
    expect([...ys].sort((a, b) => a - b)).toEqual([0.75, 80.75, 160.75, 240.75, 320.75, 400.75, 480.75, 560.75]);
  });

  it("bad arguments exit with code 2", async () => {
    expect((await capture(extract, ["x.png", "--weights", "synthetic:1", "--fit", "300"])).code).toBe(2);
    expect((await capture(extract, ["x.png"])).code).toBe(2);
    expect((await capture(extract, ["x.png", "--weights", "synthetic:1", "--threshold", "abc"])).code).toBe(2);
  });
});
