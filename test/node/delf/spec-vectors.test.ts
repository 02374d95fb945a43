// Spec §9 test vectors that concern extraction, as literal expectations.
import { describe, expect, it } from "vitest";
import { featureSide, pyramidLevels, roundHalfEven, scaledSide } from "../../../src/delf/pyramid";
import { boxCentre, receptiveBoxes } from "../../../src/delf/boxes";
import { boxIou, nonMaxSuppression } from "../../../src/delf/nms";
import { l2NormalizeRows, postProcessDescriptors, projectPca, type PcaParameters } from "../../../src/delf/descriptors";
import { softplus } from "../../../src/delf/attention";
import { batchNormScale, scaleOutputChannels } from "../../../src/delf/batch-norm";
import { levelMacs } from "../../../src/delf/layers";
import { PIXEL_OFFSET, PIXEL_SCALE, TUTORIAL_SCALES } from "../../../src/delf/constants";
import { DEFAULT_EXTRACT_OPTIONS, resolveExtractOptions } from "../../../src/delf/options";
import { DelfError } from "../../../src/delf/errors";

const TUTORIAL = [...TUTORIAL_SCALES];

describe("§9.1 pyramid", () => {
  it("256² gives sides 64…512 and feature maps 2…16 (529 cells)", () => {
    const levels = pyramidLevels(256, 256, TUTORIAL);
    expect(levels.map((l) => l.height)).toEqual([64, 91, 128, 181, 256, 362, 512]);
    expect(levels.map((l) => l.width)).toEqual([64, 91, 128, 181, 256, 362, 512]);
    const maps = levels.map((l) => featureSide(l.height));
    expect(maps).toEqual([2, 3, 4, 6, 8, 12, 16]);
    expect(maps.reduce((n, s) => n + s * s, 0)).toBe(529);
  });
  it("640×480 levels and maps (§3.3)", () => {
    const levels = pyramidLevels(480, 640, TUTORIAL);
    expect(levels.map((l) => [l.height, l.width])).toEqual([[120, 160], [170, 226], [240, 320], [339, 453], [480, 640], [679, 905], [960, 1280]]);
    expect(levels.map((l) => [featureSide(l.height), featureSide(l.width)])).toEqual([[4, 5], [6, 8], [8, 10], [11, 15], [15, 20], [22, 29], [30, 40]]);
  });
  it("scales are float32", () => {
    const levels = pyramidLevels(256, 256, TUTORIAL);
    expect(levels[1].scale).toBe(0.35359999537467957);
    expect(levels[3].scale).toBe(0.707099974155426);
    expect(levels[5].scale).toBe(1.414199948310852);
  });
  it("banker's rounding", () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(-2.5)).toBe(-2);
    expect(roundHalfEven(2.4999)).toBe(2);
    expect(roundHalfEven(2.5001)).toBe(3);
    // 5 · 0.5 = 2.5 exactly → 2 (Math.round would give 3); 7 · 0.5 = 3.5 → 4
    expect(scaledSide(5, 0.5)).toBe(2);
    expect(scaledSide(7, 0.5)).toBe(4);
  });
  it("zero-sized levels are skipped, keeping the caller's index", () => {
    const levels = pyramidLevels(3, 3, [0.1, 1.0]);
    expect(levels.map((l) => [l.index, l.height])).toEqual([[1, 3]]);
  });
});

describe("§9.2–9.4 receptive boxes and locations", () => {
  it("h=1, w=2, s=1", () => {
    expect(Array.from(receptiveBoxes(1, 2, 1))).toEqual([-145, -145, 145, 145, -145, -113, 145, 177]);
  });
  it("box 0 at s = 0.25, 2, 0.3536", () => {
    expect(Array.from(receptiveBoxes(1, 1, 0.25))).toEqual([-580, -580, 580, 580]);
    expect(Array.from(receptiveBoxes(1, 1, 2))).toEqual([-72.5, -72.5, 72.5, 72.5]);
    expect(Array.from(receptiveBoxes(1, 1, 0.3536))).toEqual([-410.06787109375, -410.06787109375, 410.06787109375, 410.06787109375]);
  });
  it("last cell of each tutorial level for a 256 input", () => {
    const expected = [128, 180.9954833984375, 192, 226.27635192871094, 224, 248.90399169921875, 240];
    pyramidLevels(256, 256, TUTORIAL).forEach((level, i) => {
      const side = featureSide(level.height);
      const boxes = receptiveBoxes(side, side, level.scale);
      const last = side * side - 1;
      expect(boxCentre(boxes, 4 * last)).toEqual([expected[i], expected[i]]);
      // every centre lies in [0, 256)
      for (let k = 0; k < side * side; k++) {
        const [y, x] = boxCentre(boxes, 4 * k);
        expect(y >= 0 && y < 256 && x >= 0 && x < 256).toBe(true);
      }
    });
    // the box path, not 352 / s directly (which gives 248.9039764404297)
    expect(Math.fround(352 / Math.fround(1.4142))).toBe(248.9039764404297);
  });
  it("cell (0,1) at s = 0.3536", () => {
    expect(boxCentre(receptiveBoxes(3, 3, 0.3536), 4)).toEqual([0, 90.49774169921875]);
  });
  it("centre helper", () => {
    expect(boxCentre([-10, 0, 11, 21])).toEqual([0.5, 10.5]);
    expect(boxCentre([-2.5, 5, 18.5, 26])).toEqual([8, 15.5]);
    expect(boxCentre([45, -2.5, 66, 18.5])).toEqual([55.5, 8]);
  });
});

describe("§9.5 pixel normalisation", () => {
  it("(p − 128) / 128", () => {
    const norm = (p: number) => Math.fround((p - PIXEL_OFFSET) / PIXEL_SCALE);
    expect([0, 128, 255].map(norm)).toEqual([-1, 0, 0.9921875]);
    // feature_extractor_test's variant with offset 5, scale 2
    expect([3, 255, 0].map((p) => (p - 5) / 2)).toEqual([-1, 125, -2.5]);
  });
});

describe("§9.6 PCA", () => {
  const rows = new Float32Array([1, 2, -2, -5, 0, 3, -1, 2, 0, 0, 4, -1]);
  const pca: PcaParameters = {
    mean: new Float32Array([1, 2, 3]),
    projection: new Float32Array([2, 0, -1, 0, 1, 1, -1, 1, 3]),
    inDim: 3,
    outDim: 2,
    variances: new Float32Array([4, 1]),
  };
  it("with whitening", () => {
    expect(Array.from(projectPca(rows, 4, pca, true))).toEqual([2.5, -5, -6, -2, -0.5, -3, 1, -2]);
  });
  it("without whitening", () => {
    expect(Array.from(projectPca(rows, 4, pca, false))).toEqual([5, -5, -12, -2, -1, -3, 2, -2]);
  });
  it("whitening without variances is refused", () => {
    expect(() => projectPca(rows, 4, { ...pca, variances: null }, true)).toThrow(/variances/);
  });
});

describe("§9.7 NMS on the 2×2 map at s = 1, scores [150, 120, 150, 90]", () => {
  const boxes = receptiveBoxes(2, 2, 1);
  const scores = [150, 120, 150, 90];
  it("iou 1.0 → stable sort by score", () => {
    expect(nonMaxSuppression(boxes, scores, 1000, 1.0)).toEqual([0, 2, 1, 3]);
  });
  it("iou 0.8 → [0, 3] (neighbours at 0.80124 suppressed, diagonal 0.65493 kept)", () => {
    expect(boxIou(boxes, 0, 1)).toBeCloseTo(258 / 322, 6);
    expect(boxIou(boxes, 0, 3)).toBeCloseTo(0.65493, 5);
    expect(nonMaxSuppression(boxes, scores, 1000, 0.8)).toEqual([0, 3]);
  });
  it("max 1 → [0]; max 0 → []", () => {
    expect(nonMaxSuppression(boxes, scores, 1, 1.0)).toEqual([0]);
    expect(nonMaxSuppression(boxes, scores, 0, 1.0)).toEqual([]);
  });
  it("suppression needs IoU strictly greater than the threshold", () => {
    const iou = boxIou(boxes, 0, 1);
    expect(nonMaxSuppression(boxes, scores, 1000, iou)).toEqual([0, 2, 1, 3]);
    expect(nonMaxSuppression(boxes, scores, 1000, Math.fround(iou - 1e-6))).toEqual([0, 3]);
  });
  it("degenerate boxes have IoU 0", () => {
    expect(boxIou(new Float32Array([0, 0, 0, 10, 0, 0, 0, 10]), 0, 1)).toBe(0);
  });
});

describe("§9.7 threshold is inclusive; softplus", () => {
  it("a score of exactly 100 is kept by >=", () => {
    // softplus returns x itself above ~13.94, so a logit of 100 scores exactly 100
    expect(softplus(100)).toBe(100);
    expect(softplus(100) >= DEFAULT_EXTRACT_OPTIONS.scoreThreshold).toBe(true);
    expect(softplus(Math.fround(100 - 1e-5)) >= 100).toBe(false);
  });
  it("is stable at both ends and matches log1p(exp(x)) in between", () => {
    expect(softplus(-200)).toBe(0);
    expect(softplus(1e6)).toBe(1e6);
    expect(softplus(0)).toBe(Math.fround(Math.LN2));
    expect(softplus(2)).toBe(Math.fround(Math.log1p(Math.exp(2))));
  });
});

describe("§9.8 L2", () => {
  it("zero vector stays zero; others get unit norm ± 1e-6", () => {
    const rows = new Float32Array([0, 0, 0, 3, 4, 0, 1e-7, 0, 0]);
    l2NormalizeRows(rows, 3);
    expect(Array.from(rows.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(rows[3]).toBeCloseTo(0.6, 6);
    expect(rows[4]).toBeCloseTo(0.8, 6);
    // tiny vector: eps guard 1e-12 on the squared norm → 1e-7 · 1e6 = 0.1, not 1
    expect(rows[6]).toBeCloseTo(0.1, 6);
  });
  it("post-processing yields unit rows", () => {
    const raw = Float32Array.from({ length: 2 * 3 }, (_, i) => i + 1);
    const pca: PcaParameters = { mean: new Float32Array(3), projection: new Float32Array([1, 0, 0, 0, 1, 0]), inDim: 3, outDim: 2, variances: null };
    const d = postProcessDescriptors(raw, 2, pca, false);
    expect(Math.hypot(d[0], d[1])).toBeCloseTo(1, 6);
    expect(d[0] / d[1]).toBeCloseTo(1 / 2, 6);
    expect(Math.hypot(d[2], d[3])).toBeCloseTo(1, 6);
  });
});

describe("BatchNorm folding (§3.1)", () => {
  it("k = γ/sqrt(var+ε) scales the output channel, bias = β − mean·k", () => {
    const w = new Float32Array([1, 2, 3, 4]); // [1,1,2,2]: in 0 → out 0,1; in 1 → out 0,1
    const { scale, bias } = batchNormScale(
      { gamma: new Float32Array([2, 1]), beta: new Float32Array([1, 0]), movingMean: new Float32Array([0.5, 2]), movingVariance: new Float32Array([4 - 1e-5, 1 - 1e-5]) },
    );
    expect(Array.from(scale)).toEqual([1, 1]);
    expect(Array.from(scaleOutputChannels(w, scale))).toEqual([1, 2, 3, 4]);
    expect(Array.from(bias)).toEqual([0.5, -2]);
  });
});

describe("§10 MACs from layer shapes", () => {
  it("per-level counts for 256²", () => {
    const macs = pyramidLevels(256, 256, TUTORIAL).map((l) => levelMacs(l.height, l.width));
    expect(macs).toEqual([226428928, 500188416, 905715712, 1949556416, 3622862848, 7462948544, 14491451392]);
    expect(macs.reduce((a, b) => a + b, 0)).toBe(29159152256);
  });
});

describe("options", () => {
  it("defaults are the tutorial's", () => {
    expect(resolveExtractOptions()).toEqual({ scales: [0.25, 0.3536, 0.5, 0.7071, 1.0, 1.4142, 2.0], scoreThreshold: 100, maxFeatures: 1000, iouThreshold: 1.0, useWhitening: false });
  });
  it("undefined fields take the defaults; given ones are copied", () => {
    const scales = [1, 2];
    const o = resolveExtractOptions({ scales, maxFeatures: undefined, scoreThreshold: 0 });
    expect(o).toEqual({ ...DEFAULT_EXTRACT_OPTIONS, scales: [1, 2], scoreThreshold: 0 });
    expect(o.scales).not.toBe(scales);
  });
  it.each([
    [{ scales: [] }],
    [{ scales: [0] }],
    [{ scales: [-1] }],
    [{ scales: [Number.NaN] }],
    [{ scales: [5] }],
    [{ maxFeatures: 1.5 }],
    [{ maxFeatures: -1 }],
    [{ iouThreshold: 1.5 }],
    [{ scoreThreshold: Number.NaN }],
    [{ useWhitening: "yes" }],
    [{ bogus: 1 }],
  ])("rejects %j with code invalid_options", (bad) => {
    try {
      resolveExtractOptions(bad as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DelfError);
      expect((error as DelfError).code).toBe("invalid_options");
    }
  });
});
