/**
 * A deliberately plain TypeScript reference of the DELF v1 network (spec §3), written from the
 * spec without tfjs: explicit loops, unfolded BatchNorm, TF 'SAME'/explicit padding rules.
 * Slow; only for tiny inputs in tests.
 */
import type { TensorMap } from "../../../src/model/model-directory";
import { BATCH_NORM_EPSILON } from "../../../src/delf/constants";

/** Feature map [h, w, c] (batch 1), row-major. */
export interface Map3 {
  h: number;
  w: number;
  c: number;
  v: Float64Array;
}

export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** TF 'SAME' padding for one axis. */
export function samePads(n: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export function conv(x: Map3, weights: ArrayLike<number>, k: number, cout: number, stride: number, pads: Pads): Map3 {
  const h = Math.floor((x.h + pads.top + pads.bottom - k) / stride) + 1;
  const w = Math.floor((x.w + pads.left + pads.right - k) / stride) + 1;
  const v = new Float64Array(h * w * cout);
  for (let oy = 0; oy < h; oy++)
    for (let ox = 0; ox < w; ox++)
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * stride + ky - pads.top;
        if (iy < 0 || iy >= x.h) continue;
        for (let kx = 0; kx < k; kx++) {
          const ix = ox * stride + kx - pads.left;
          if (ix < 0 || ix >= x.w) continue;
          for (let ci = 0; ci < x.c; ci++) {
            const xv = x.v[(iy * x.w + ix) * x.c + ci];
            if (xv === 0) continue;
            const wBase = ((ky * k + kx) * x.c + ci) * cout;
            const oBase = (oy * w + ox) * cout;
            for (let co = 0; co < cout; co++) v[oBase + co] += xv * weights[wBase + co];
          }
        }
      }
  return { h, w, c: cout, v };
}

/** Max-pool with padded cells never winning. */
export function maxPool(x: Map3, k: number, stride: number, pads: Pads): Map3 {
  const h = Math.floor((x.h + pads.top + pads.bottom - k) / stride) + 1;
  const w = Math.floor((x.w + pads.left + pads.right - k) / stride) + 1;
  const v = new Float64Array(h * w * x.c).fill(-Infinity);
  for (let oy = 0; oy < h; oy++)
    for (let ox = 0; ox < w; ox++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) {
          const iy = oy * stride + ky - pads.top, ix = ox * stride + kx - pads.left;
          if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
          for (let c = 0; c < x.c; c++) v[(oy * w + ox) * x.c + c] = Math.max(v[(oy * w + ox) * x.c + c], x.v[(iy * x.w + ix) * x.c + c]);
        }
  return { h, w, c: x.c, v };
}

const relu = (x: Map3): Map3 => ({ ...x, v: x.v.map((a) => Math.max(a, 0)) });

function batchNorm(x: Map3, t: TensorMap, scope: string): Map3 {
  const p = (n: string) => t.get(`${scope}/BatchNorm/${n}`)!.values;
  const [g, b, m, s] = [p("gamma"), p("beta"), p("moving_mean"), p("moving_variance")];
  const v = x.v.map((a, i) => {
    const c = i % x.c;
    return (g[c] * (a - m[c])) / Math.sqrt(s[c] + BATCH_NORM_EPSILON) + b[c];
  });
  return { ...x, v };
}

/** slim conv2d (+BN): stride-1 convs use SAME; strided ones conv2d_same's explicit symmetric pads. */
function slimConv(x: Map3, t: TensorMap, scope: string, stride: number, withRelu: boolean): Map3 {
  const w = t.get(`${scope}/weights`)!;
  const [k, , , cout] = w.shape;
  let pads: Pads;
  if (stride === 1) {
    const [top, bottom] = samePads(x.h, k, 1), [left, right] = samePads(x.w, k, 1);
    pads = { top, bottom, left, right };
  } else {
    const beg = Math.floor((k - 1) / 2), end = k - 1 - beg;
    pads = { top: beg, bottom: end, left: beg, right: end };
  }
  const y = batchNorm(conv(x, w.values, k, cout, stride, pads), t, scope);
  return withRelu ? relu(y) : y;
}

/** Backbone through block3 + attention logits, for a normalised [h, w, 3] input. */
export function referenceNetwork(input: Map3, t: TensorMap): { features: Map3; logits: Float64Array } {
  let x = slimConv(input, t, "resnet_v1_50/conv1", 2, true);
  const [pt, pb] = samePads(x.h, 3, 2), [pl, pr] = samePads(x.w, 3, 2);
  x = maxPool(x, 3, 2, { top: pt, bottom: pb, left: pl, right: pr });
  for (const [block, units] of [[1, 3], [2, 4], [3, 6]]) {
    for (let u = 1; u <= units; u++) {
      const scope = `resnet_v1_50/block${block}/unit_${u}/bottleneck_v1`;
      const stride = u === units ? 2 : 1;
      const shortcut = u === 1 ? slimConv(x, t, `${scope}/shortcut`, 1, false) : stride === 2 ? maxPool(x, 1, 2, { top: 0, bottom: 0, left: 0, right: 0 }) : x;
      let r = slimConv(x, t, `${scope}/conv1`, 1, true);
      r = slimConv(r, t, `${scope}/conv2`, stride, true);
      r = slimConv(r, t, `${scope}/conv3`, 1, false);
      x = relu({ ...r, v: r.v.map((a, i) => a + shortcut.v[i]) });
    }
  }
  const a = slimConv(x, t, "attention_block/attention/compute/conv1", 1, true);
  const w2 = t.get("attention_block/attention/compute/conv2/weights")!.values;
  const b2 = t.get("attention_block/attention/compute/conv2/biases")!.values;
  const logits = conv(a, w2, 1, 1, 1, { top: 0, bottom: 0, left: 0, right: 0 }).v.map((v) => v + b2[0]);
  return { features: x, logits };
}
