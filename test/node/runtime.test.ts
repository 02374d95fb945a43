import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node";
import { startRuntime } from "../../src/runtime/start";
import { tfjsBackendStatus, tfjsWasmHeapBytes } from "../../src/runtime/tfjs";
import { squaredDistanceBlock } from "../../src/match/distance";

describe("runtime in Node", () => {
  it("starts tfjs-wasm SIMD from the compiled module and runs a conv2d", async () => {
    await startRuntime(await loadNodeWasmModules());
    expect(tfjsBackendStatus()).toEqual({ backend: "wasm", simd: true });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const f = tf.tensor4d([1, 0, 0, -1, 2, 0, 0, 1], [2, 2, 1, 2]);
    const y = tf.conv2d(x, f, 1, "valid");
    expect(Array.from(await y.data())).toEqual([9, 3, 12, 3, 18, 3, 21, 3]);
    tf.dispose([x, f, y]);
    expect(tfjsWasmHeapBytes()).toBeGreaterThanOrEqual(16 * 2 ** 20);
  });

  it("squared distances from the kernel equal the plain definition, odd dims included", async () => {
    const { kernels } = await startRuntime(await loadNodeWasmModules());
    for (const dim of [1, 3, 4, 7, 40]) {
      const a = Float32Array.from({ length: 3 * dim }, (_, i) => Math.sin(i) * 2);
      const b = Float32Array.from({ length: 2 * dim }, (_, i) => Math.cos(i));
      const got = squaredDistanceBlock(kernels, a, b, dim);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 2; j++) {
          let s = 0;
          for (let k = 0; k < dim; k++) s += (a[i * dim + k] - b[j * dim + k]) ** 2;
          expect(got[i * 2 + j]).toBeCloseTo(s, 4);
        }
    }
  });
});
