/**
 * The wasm engine packs every filter with the conv kernel's packFilter (assembly/conv/pack.ts) and
 * folds BatchNorm while it packs (a scale per output channel). It must give the very floats of the
 * layout's definition (panels [outC/8][tap·in][8], zero past outC), and those that folding first
 * (scaleOutputChannels, the plain path the tfjs engine uses) and packing after would give. Both
 * kernel builds.
 */
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { packFilter } from "../../../src/delf/conv-engine/wasm-engine";
import { bestConvKernelFlavour, convKernel, type ConvKernelFlavour } from "../../../src/delf/conv-engine/kernel";
import { batchNormScale, scaleOutputChannels } from "../../../src/delf/batch-norm";
import { startNodeRuntime } from "./helpers";

/** Deterministic values with varied exponents, so that products round. */
function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 12.9898 + seed * 78.233) * 10 ** ((i % 7) - 3));
}

const panelsOf = (outC: number) => Math.ceil(outC / 8) * 8;

type Heap = { HEAPF32: Float32Array; _malloc(bytes: number): number; _free(ptr: number): void };
const heap = () => (tf.backend() as unknown as { wasm: Heap }).wasm;

/** packFilter through tfjs-heap buffers; every output float starts as NaN, so none is left unwritten. */
function pack(flavour: ConvKernelFlavour, weights: Float32Array, scale: Float32Array | null, taps: number, inC: number, outC: number): Float32Array {
  const floats = taps * inC * panelsOf(outC);
  const h = heap();
  const into = h._malloc(4 * floats), stage = h._malloc(4 * (weights.length + outC));
  try {
    h.HEAPF32.fill(NaN, into / 4, into / 4 + floats);
    packFilter(convKernel(flavour), weights, scale, taps, inC, outC, into, stage);
    return h.HEAPF32.slice(into / 4, into / 4 + floats);
  } finally {
    h._free(into);
    h._free(stage);
  }
}

/** The layout by its definition, one float32 product per weight. */
function reference(weights: Float32Array, scale: Float32Array | null, taps: number, inC: number, outC: number): Float32Array {
  const rows = taps * inC, out = new Float32Array(rows * panelsOf(outC));
  for (let c = 0; c < outC; c++)
    for (let r = 0; r < rows; r++) out[(Math.floor(c / 8) * rows + r) * 8 + (c % 8)] = Math.fround(weights[r * outC + c] * (scale ? scale[c] : 1));
  return out;
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

let flavours: ConvKernelFlavour[] = [];
beforeAll(async () => {
  await startNodeRuntime();
  flavours = bestConvKernelFlavour() === "relaxed-simd" ? ["relaxed-simd", "simd128"] : ["simd128"];
});

describe("packFilter (wasm)", () => {
  it("lays HWIO out as 8-channel panels, scaled per output channel, zero past outChannels (literal)", () => {
    // taps 1, in 2, out 3: W[in][out]
    const weights = new Float32Array([1, 2, 3, 4, 5, 6]);
    const scale = new Float32Array([0.5, 2, -1]);
    for (const flavour of flavours) {
      expect(Array.from(pack(flavour, weights, scale, 1, 2, 3))).toEqual([0.5, 4, -3, 0, 0, 0, 0, 0, 2, 10, -6, 0, 0, 0, 0, 0]);
      expect(Array.from(pack(flavour, weights, null, 1, 2, 3))).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
    }
  });

  it.each([
    { taps: 1, inC: 64, outC: 256 },
    { taps: 9, inC: 32, outC: 64 },
    { taps: 49, inC: 3, outC: 64 },
    { taps: 1, inC: 512, outC: 1 },
    { taps: 9, inC: 8, outC: 12 },
  ])("= the layout's definition, and folding while packing = folding, then packing, to the bit: taps $taps, in $inC, out $outC", ({ taps, inC, outC }) => {
    const weights = values(taps * inC * outC, outC);
    const { scale } = batchNormScale({
      gamma: values(outC, 1),
      beta: values(outC, 2),
      movingMean: values(outC, 3),
      movingVariance: values(outC, 4).map(Math.abs),
    });
    for (const flavour of flavours) {
      const fused = pack(flavour, weights, scale, taps, inC, outC);
      expect(bits(fused)).toEqual(bits(reference(weights, scale, taps, inC, outC)));
      const plain = pack(flavour, scaleOutputChannels(weights, scale), null, taps, inC, outC);
      expect(bits(fused)).toEqual(bits(plain));
      // …and the scale changed something (a test that cannot pass by accident).
      expect(bits(pack(flavour, weights, null, taps, inC, outC))).not.toEqual(bits(plain));
    }
  });
});
