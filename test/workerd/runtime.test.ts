// Runs INSIDE workerd: proves tfjs-wasm SIMD and the AssemblyScript kernels execute in the
// Workers runtime, with modules imported the way the deployed Worker imports them.
import { describe, expect, it } from "vitest";
import { SELF } from "cloudflare:test";
import * as tf from "@tensorflow/tfjs-core";
import { workerWasmModules } from "../../src/runtime/wasm-modules.worker";
import { startRuntime } from "../../src/runtime/start";
import { tfjsBackendStatus } from "../../src/runtime/tfjs";
import { squaredDistanceBlock } from "../../src/match/distance";

describe("runtime inside workerd", () => {
  it("runs a tfjs-wasm SIMD conv2d with the expected output", async () => {
    await startRuntime(workerWasmModules);
    expect(tfjsBackendStatus()).toEqual({ backend: "wasm", simd: true });
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const f = tf.tensor4d([1, 0, 0, -1, 2, 0, 0, 1], [2, 2, 1, 2]);
    const y = tf.conv2d(x, f, 1, "valid");
    // channel 0 = x[i][j] + 2·x[i+1][j]; channel 1 = x[i+1][j+1] − x[i][j+1]
    expect(Array.from(await y.data())).toEqual([9, 3, 12, 3, 18, 3, 21, 3]);
    tf.dispose([x, f, y]);
  });

  it("runs the AssemblyScript squared-distance kernel", async () => {
    const { kernels } = await startRuntime(workerWasmModules);
    const a = new Float32Array([0, 0, 0, 0, 0, 1, 2, 3, 4, 5]); // two 5-d rows
    const b = new Float32Array([1, 1, 1, 1, 1]);
    expect(Array.from(squaredDistanceBlock(kernels, a, b, 5))).toEqual([5, 30]);
  });

  it("serves /v1/health from the live engine", async () => {
    const res = await SELF.fetch("http://x/v1/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ok",
      backend: "wasm",
      simd: true,
      kernels: "assemblyscript",
      version: "0.1.0",
    });
  });
});
