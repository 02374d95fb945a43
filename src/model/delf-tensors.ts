/**
 * The tensors a DELF v1 model directory must hold (spec §6): the 222 official checkpoint tensors
 * of ResNet-50 v1 through block3 plus the attention head, and the PCA parameters.
 */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/** A conv followed by BatchNorm: its kernel and BN quartet (5 tensors). */
function convWithBatchNorm(scope: string, kernel: number[]): TensorSpec[] {
  const channels = kernel[3];
  return [
    { name: `${scope}/weights`, shape: kernel },
    ...["gamma", "beta", "moving_mean", "moving_variance"].map((p) => ({
      name: `${scope}/BatchNorm/${p}`,
      shape: [channels],
    })),
  ];
}

/** Bottleneck blocks of resnet_v1_50 through block3: [depth, bottleneck depth, units]. */
export const RESNET_BLOCKS: ReadonlyArray<{ block: number; depth: number; bottleneck: number; units: number }> = [
  { block: 1, depth: 256, bottleneck: 64, units: 3 },
  { block: 2, depth: 512, bottleneck: 128, units: 4 },
  { block: 3, depth: 1024, bottleneck: 256, units: 6 },
];

/** The 222 checkpoint tensors of the extraction graph, in network order. */
export function delfCheckpointTensors(): TensorSpec[] {
  const specs: TensorSpec[] = [...convWithBatchNorm("resnet_v1_50/conv1", [7, 7, 3, 64])];
  let inDepth = 64;
  for (const { block, depth, bottleneck, units } of RESNET_BLOCKS) {
    for (let u = 1; u <= units; u++) {
      const scope = `resnet_v1_50/block${block}/unit_${u}/bottleneck_v1`;
      if (u === 1) specs.push(...convWithBatchNorm(`${scope}/shortcut`, [1, 1, inDepth, depth]));
      specs.push(...convWithBatchNorm(`${scope}/conv1`, [1, 1, u === 1 ? inDepth : depth, bottleneck]));
      specs.push(...convWithBatchNorm(`${scope}/conv2`, [3, 3, bottleneck, bottleneck]));
      specs.push(...convWithBatchNorm(`${scope}/conv3`, [1, 1, bottleneck, depth]));
    }
    inDepth = depth;
  }
  specs.push(...convWithBatchNorm("attention_block/attention/compute/conv1", [1, 1, 1024, 512]));
  specs.push({ name: "attention_block/attention/compute/conv2/weights", shape: [1, 1, 512, 1] });
  specs.push({ name: "attention_block/attention/compute/conv2/biases", shape: [1] });
  return specs;
}

export const PCA_TENSORS: readonly TensorSpec[] = [
  { name: "pca/mean", shape: [1024] },
  { name: "pca/projection", shape: [1024, 1024] },
];
/** Optional: only needed for whitening (off in the tutorial). */
export const PCA_VARIANCES: TensorSpec = { name: "pca/variances", shape: [1024] };

/** Everything a model directory must contain (checkpoint tensors + PCA mean and projection). */
export function requiredModelTensors(): TensorSpec[] {
  return [...delfCheckpointTensors(), ...PCA_TENSORS];
}
