// cli train-codebook: byte-identical output for the same input and seed, a codebook the Worker's
// parser accepts with the written sha-256, and usage errors with exit code 2.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run } from "../../../scripts/commands/train-codebook";
import { parseCodebook } from "../../../src/retrieval/core";
import { SeededRandom } from "../../../src/match/prng";

describe("cli train-codebook", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "train-codebook-"));
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it("same rows + seed → same bytes; the sha-256 file matches; the parser accepts it", async () => {
    const r = new SeededRandom(5);
    const rows = Float32Array.from({ length: 500 * 40 }, () => r.nextUint32() / 4294967296 - 0.5);
    const input = join(dir, "rows.f32");
    writeFileSync(input, new Uint8Array(rows.buffer));
    expect(await run([input, "--words", "16", "--iterations", "5", "--seed", "3", "--out", join(dir, "a")])).toBe(0);
    expect(await run([input, "--words", "16", "--iterations", "5", "--seed", "3", "--out", join(dir, "b")])).toBe(0);
    const a = readFileSync(join(dir, "a", "codebook.bin"));
    expect(a.equals(readFileSync(join(dir, "b", "codebook.bin")))).toBe(true);
    const sha = readFileSync(join(dir, "a", "codebook.sha256"), "utf8");
    expect(sha).toMatch(/^[0-9a-f]{64} {2}codebook\.bin\n$/);
    const cb = await parseCodebook(new Uint8Array(a), sha.split(" ")[0]);
    expect(cb).toMatchObject({ numWords: 16, dim: 40 });
    expect(a.length).toBe(16 + 16 * 40 * 4);
    expect(await run([input, "--words", "16", "--iterations", "5", "--seed", "4", "--out", join(dir, "c")])).toBe(0);
    expect(a.equals(readFileSync(join(dir, "c", "codebook.bin")))).toBe(false);
  });

  it("usage errors exit 2", async () => {
    const input = join(dir, "odd.f32");
    writeFileSync(input, new Uint8Array(7));
    expect(await run([])).toBe(2);
    expect(await run([input, "--words", "x"])).toBe(2);
    expect(await run([input])).toBe(2); // not whole 40-float rows
    writeFileSync(input, new Uint8Array(160 * 3));
    expect(await run([input, "--words", "4"])).toBe(2); // more words than rows
  });
});
