/**
 * The benchmark's baseline: DELF's network written plainly on tfjs-wasm, as anyone would with the
 * library alone — every conv a `tf.fused.conv2d` with bias (and ReLU where the network has one),
 * the residual as tf.add + tf.relu, eager dispose, no stem bands, no in-place tricks. Same folded
 * weights and same input as the product's extractor. Lives here, not in src/: it is a yardstick.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TensorMap } from "../../src/model/model-directory";
import { allConvs, delfNetworkSpec, type UnitSpec } from "../../src/delf/layers";
import { foldConv, type DelfModel } from "../../src/delf/model";
import { foldedFilter } from "../../src/delf/conv-engine";
import type { LevelOutput } from "../../src/delf/network";
import type { NetworkRunner } from "../../src/delf/extract";

interface PlainConv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
  stride: number;
  kernel: number;
}

export interface PlainDelfNetwork {
  run: NetworkRunner;
  dispose(): void;
}

/** Optional timing hook: called after each conv (and each residual add+ReLU, scope "add+relu"). */
export type OpProfiler = (scope: string, ms: number, output: tf.Tensor4D) => void;

export function plainDelfNetwork(tensors: TensorMap, profile?: OpProfiler): PlainDelfNetwork {
  const spec = delfNetworkSpec();
  const convs = new Map<string, PlainConv>();
  for (const c of allConvs(spec)) {
    const folded = foldConv(tensors, c);
    convs.set(c.scope, {
      filter: tf.tensor4d(foldedFilter(folded), [c.kernel, c.kernel, c.inChannels, c.outChannels]),
      bias: tf.tensor1d(folded.bias),
      stride: c.stride,
      kernel: c.kernel,
    });
  }
  const conv = (x: tf.Tensor4D, scope: string, relu: boolean): tf.Tensor4D => {
    const c = convs.get(scope)!;
    const before = Math.floor((c.kernel - 1) / 2);
    const started = profile ? performance.now() : 0;
    const y = tf.fused.conv2d({
      x,
      filter: c.filter,
      strides: c.stride,
      pad: c.stride === 1 ? "same" : [[0, 0], [before, c.kernel - 1 - before], [before, c.kernel - 1 - before], [0, 0]],
      bias: c.bias,
      activation: relu ? "relu" : "linear",
    });
    profile?.(scope, performance.now() - started, y);
    return y;
  };
  const unit = (x: tf.Tensor4D, u: UnitSpec): tf.Tensor4D => {
    const shortcut = u.shortcut ? conv(x, u.shortcut.scope, false) : u.stride === 2 ? tf.maxPool(x, 1, 2, "same") : x;
    const r1 = conv(x, u.conv1.scope, true);
    const r2 = conv(r1, u.conv2.scope, true);
    r1.dispose();
    const r3 = conv(r2, u.conv3.scope, false);
    r2.dispose();
    const started = profile ? performance.now() : 0;
    const sum = tf.add(r3, shortcut);
    r3.dispose();
    const out = tf.relu(sum) as tf.Tensor4D;
    sum.dispose();
    profile?.("add+relu", performance.now() - started, out);
    if (shortcut !== x) shortcut.dispose();
    x.dispose();
    return out;
  };
  const run: NetworkRunner = (_model: DelfModel, input: tf.Tensor4D): LevelOutput => {
    const c1 = conv(input, spec.conv1.scope, true);
    let x = tf.maxPool(c1, 3, 2, "same");
    c1.dispose();
    for (const u of spec.units) x = unit(x, u);
    const [, height, width, depth] = x.shape;
    const a1 = conv(x, spec.attention1.scope, true);
    const logits4 = conv(a1, spec.attention2.scope, false);
    a1.dispose();
    const logits = tf.reshape(logits4, [height * width]) as tf.Tensor1D;
    logits4.dispose();
    const features = tf.reshape(x, [height * width, depth]) as tf.Tensor2D;
    x.dispose();
    return { features, logits, height, width };
  };
  return {
    run,
    dispose: () => {
      for (const c of convs.values()) tf.dispose([c.filter, c.bias]);
      convs.clear();
    },
  };
}
