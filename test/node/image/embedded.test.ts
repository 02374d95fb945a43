import { describe, expect, it } from "vitest";
import { loadNodeWasmModules } from "../../../src/runtime/wasm-modules.node";
import { pipelineDigest } from "./embedded";

describe("embedded fixtures (shared with test/workerd/image.test.ts)", () => {
  it("decode + fit hash to the literal the workerd test also expects", async () => {
    expect(await pipelineDigest(await loadNodeWasmModules())).toBe(
      "e2c71c47313627d7ed817ab44c841708027be3663fb62b6f18e93cd44869452f",
    );
  });
});
