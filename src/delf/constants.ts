/**
 * Constants of DELF v1 (google/delf/1) as the spec fixes them (delf-v1-spec.md §2–5). One file so
 * that every number the extractor depends on is visible in one place.
 */

/** Pixel normalisation v = (p − PIXEL_OFFSET) / PIXEL_SCALE (§2.1); same for R, G, B. */
export const PIXEL_OFFSET = 128;
export const PIXEL_SCALE = 128;

/** Receptive field of a block3 feature cell (§4.1): size, stride and padding in input pixels. */
export const RECEPTIVE_FIELD = 291;
export const FEATURE_STRIDE = 32;
export const RECEPTIVE_PADDING = 145;

/** Depth of the block3 feature map (raw descriptor length) and of the PCA output (§5). */
export const FEATURE_DEPTH = 1024;
export const PCA_DIM = 40;

/** BatchNorm epsilon of resnet_arg_scope (§3.1), used when folding BN into the convolutions. */
export const BATCH_NORM_EPSILON = 1e-5;

/** tf.nn.l2_normalize's epsilon, applied to the squared norm (§5). */
export const L2_EPSILON = 1e-12;

/** The TF-Hub tutorial's settings (§1.1). */
export const TUTORIAL_SCALES: readonly number[] = [0.25, 0.3536, 0.5, 0.7071, 1.0, 1.4142, 2.0];
export const TUTORIAL_SCORE_THRESHOLD = 100.0;
export const TUTORIAL_MAX_FEATURES = 1000;
/** IoU threshold baked into the exported graph (§4.4): 1.0 means NMS suppresses nothing. */
export const TUTORIAL_IOU_THRESHOLD = 1.0;
