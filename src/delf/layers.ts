/**
 * The layer list of DELF v1's network (spec §3.3): TF-slim resnet_v1_50 through block3 (stride on
 * the 3×3 conv2 of the LAST unit of each block) plus the attention head. Shared by the model
 * loader (BN folding), the tfjs forward pass and the MAC counter.
 */
import { RESNET_BLOCKS } from "../model/delf-tensors";

export interface ConvSpec {
  /** Checkpoint scope, e.g. "resnet_v1_50/block1/unit_1/bottleneck_v1/conv2". */
  scope: string;
  kernel: number;
  inChannels: number;
  outChannels: number;
  stride: 1 | 2;
  /** conv → BN (folded); false only for the attention logit conv, which has biases. */
  batchNorm: boolean;
}

export interface UnitSpec {
  /** Projection shortcut (unit_1), else identity or (strided unit) 1×1/2 subsampling. */
  shortcut: ConvSpec | null;
  conv1: ConvSpec;
  conv2: ConvSpec;
  conv3: ConvSpec;
  stride: 1 | 2;
}

export interface NetworkSpec {
  conv1: ConvSpec;
  units: UnitSpec[];
  attention1: ConvSpec;
  attention2: ConvSpec;
}

const conv = (scope: string, kernel: number, inChannels: number, outChannels: number, stride: 1 | 2 = 1, batchNorm = true): ConvSpec => ({
  scope,
  kernel,
  inChannels,
  outChannels,
  stride,
  batchNorm,
});

export function delfNetworkSpec(): NetworkSpec {
  const units: UnitSpec[] = [];
  let inDepth = 64;
  for (const { block, depth, bottleneck, units: count } of RESNET_BLOCKS) {
    for (let u = 1; u <= count; u++) {
      const scope = `resnet_v1_50/block${block}/unit_${u}/bottleneck_v1`;
      const stride = u === count ? 2 : 1;
      units.push({
        shortcut: u === 1 ? conv(`${scope}/shortcut`, 1, inDepth, depth) : null,
        conv1: conv(`${scope}/conv1`, 1, u === 1 ? inDepth : depth, bottleneck),
        conv2: conv(`${scope}/conv2`, 3, bottleneck, bottleneck, stride),
        conv3: conv(`${scope}/conv3`, 1, bottleneck, depth),
        stride,
      });
    }
    inDepth = depth;
  }
  return {
    conv1: conv("resnet_v1_50/conv1", 7, 3, 64, 2),
    units,
    attention1: conv("attention_block/attention/compute/conv1", 1, 1024, 512),
    attention2: conv("attention_block/attention/compute/conv2", 1, 512, 1, 1, false),
  };
}

/** Every conv of the spec in network order. */
export function allConvs(spec: NetworkSpec): ConvSpec[] {
  const convs = [spec.conv1];
  for (const u of spec.units) convs.push(...(u.shortcut ? [u.shortcut] : []), u.conv1, u.conv2, u.conv3);
  return [...convs, spec.attention1, spec.attention2];
}

/**
 * Multiply-accumulates of every conv for one level of size h×w (real layer shapes; spec §10).
 * Output sides follow the network: conv1 /2, pool1 /2, one /2 per block (ceil each time).
 */
export function levelMacs(h: number, w: number): number {
  const spec = delfNetworkSpec();
  const half = (n: number) => Math.ceil(n / 2);
  let macs = 0;
  const add = (c: ConvSpec, oh: number, ow: number) => (macs += oh * ow * c.kernel * c.kernel * c.inChannels * c.outChannels);
  h = half(h);
  w = half(w);
  add(spec.conv1, h, w);
  h = half(h);
  w = half(w);
  for (const u of spec.units) {
    if (u.shortcut) add(u.shortcut, h, w);
    add(u.conv1, h, w);
    if (u.stride === 2) {
      h = half(h);
      w = half(w);
    }
    add(u.conv2, h, w);
    add(u.conv3, h, w);
  }
  add(spec.attention1, h, w);
  add(spec.attention2, h, w);
  return macs;
}
