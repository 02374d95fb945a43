/**
 * The wasm engine folds BatchNorm while it packs (packFilter with a scale). It must give the very
 * floats that folding first (scaleOutputChannels, the plain path the tfjs engine uses) and packing
 * after would give.
 */
import { describe, expect, it } from "vitest";
import { packFilter } from "../../../src/delf/conv-engine/wasm-engine";
import { batchNormScale, scaleOutputChannels } from "../../../src/delf/batch-norm";

/** Deterministic values with varied exponents, so that products round. */
function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 12.9898 + seed * 78.233) * 10 ** ((i % 7) - 3));
}

const panelsOf = (outC: number) => Math.ceil(outC / 8) * 8;

describe("packFilter", () => {
  it("lays HWIO out as 8-channel panels, scaled per output channel, zero past outChannels (literal)", () => {
    // taps 1, in 2, out 3: W[in][out]
    const weights = new Float32Array([1, 2, 3, 4, 5, 6]);
    const scale = new Float32Array([0.5, 2, -1]);
    const into = new Float32Array(16).fill(NaN);
    packFilter(weights, scale, 1, 2, 3, into);
    expect(Array.from(into)).toEqual([0.5, 4, -3, 0, 0, 0, 0, 0, 2, 10, -6, 0, 0, 0, 0, 0]);
    packFilter(weights, null, 1, 2, 3, into);
    expect(Array.from(into)).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
  });

  it.each([
    { taps: 1, inC: 64, outC: 256 },
    { taps: 9, inC: 32, outC: 64 },
    { taps: 49, inC: 3, outC: 64 },
    { taps: 1, inC: 512, outC: 1 },
    { taps: 9, inC: 8, outC: 12 },
  ])("folding while packing = folding, then packing, to the bit: taps $taps, in $inC, out $outC", ({ taps, inC, outC }) => {
    const weights = values(taps * inC * outC, outC);
    const { scale } = batchNormScale({
      gamma: values(outC, 1),
      beta: values(outC, 2),
      movingMean: values(outC, 3),
      movingVariance: values(outC, 4).map(Math.abs),
    });
    const size = taps * inC * panelsOf(outC);
    const fused = new Float32Array(size);
    packFilter(weights, scale, taps, inC, outC, fused);
    const plain = new Float32Array(size);
    packFilter(scaleOutputChannels(weights, scale), null, taps, inC, outC, plain);
    expect(new Uint32Array(fused.buffer)).toEqual(new Uint32Array(plain.buffer));
    // …and the scale changed something (a test that cannot pass by accident).
    const unscaled = new Float32Array(size);
    packFilter(weights, null, taps, inC, outC, unscaled);
    expect(new Uint32Array(unscaled.buffer)).not.toEqual(new Uint32Array(plain.buffer));
  });
});
