import { describe, expect, it } from "vitest";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node";
import { pipelineDigest } from "./embedded";

describe("embedded fixtures (shared with test/workerd/image.test.ts)", () => {
  it("decode + fit hash to the literal the workerd test also expects", async () => {
    expect(await pipelineDigest(await loadNodeWasmModules())).toBe(
      "9308a49f286cd379f44aba104311b1cd9287ec7f5f57a3fa1319e3f87943807e",
    );
  });
});
