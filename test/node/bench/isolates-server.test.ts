import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { withCustomSection } from "../../../scripts/bench/isolates-server";

// `bench -- cold --isolates N` gives each isolate its own wasm bytes, so V8 cannot share compiled code
// between them. The copy must stay a valid module with the same exports.
describe("withCustomSection", () => {
  it("appends a custom section: a valid module with the same exports and other bytes", async () => {
    const wasm = new Uint8Array(await readFile("build/conv-simd.wasm"));
    const copy = withCustomSection(wasm, "isolate-2");
    expect(WebAssembly.validate(copy)).toBe(true);
    expect(copy.length).toBeGreaterThan(wasm.length);
    expect(Buffer.from(copy.subarray(0, wasm.length)).equals(Buffer.from(wasm))).toBe(true);
    const module = new WebAssembly.Module(copy);
    expect(WebAssembly.Module.exports(module)).toEqual(WebAssembly.Module.exports(new WebAssembly.Module(wasm)));
    const [section] = WebAssembly.Module.customSections(module, "isolate-2");
    expect(new Uint8Array(section)).toEqual(new Uint8Array(0));
  });

  it("encodes the section's sizes as LEB128 (literal bytes of an empty module)", () => {
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect([...withCustomSection(empty, "ab")].slice(8)).toEqual([0x00, 0x03, 0x02, 0x61, 0x62]);
    const long = "x".repeat(200);
    // Name length 200 = 0xc8 0x01; section size 2 + 200 = 202 = 0xca 0x01.
    expect([...withCustomSection(empty, long)].slice(8, 13)).toEqual([0x00, 0xca, 0x01, 0xc8, 0x01]);
    expect(WebAssembly.validate(withCustomSection(empty, long))).toBe(true);
  });
});
