/**
 * Descriptor post-processing (spec §5): L2 → PCA (subtract mean, first `dim` rows of the
 * projection) → optional whitening → L2. Rows are float32; sums accumulate in float64 and are
 * rounded to float32, products and differences are float32 as in TF.
 */
import { L2_EPSILON } from "./constants";

const f32 = Math.fround;

/** tf.nn.l2_normalize of each row in place: x · rsqrt(max(Σx², 1e-12)). Zero rows stay zero. */
export function l2NormalizeRows(rows: Float32Array, dim: number): Float32Array {
  for (let r = 0; r < rows.length; r += dim) {
    let sum = 0;
    for (let k = 0; k < dim; k++) sum += rows[r + k] * rows[r + k];
    const inv = f32(1 / Math.sqrt(Math.max(f32(sum), L2_EPSILON)));
    for (let k = 0; k < dim; k++) rows[r + k] = rows[r + k] * inv;
  }
  return rows;
}

export interface PcaParameters {
  /** [inDim] */
  mean: Float32Array;
  /** Row-major, at least `outDim` rows of `inDim` (extra rows are ignored). */
  projection: Float32Array;
  inDim: number;
  outDim: number;
  /** [≥ outDim] variances for whitening, or null. */
  variances: Float32Array | null;
}

/** y[j] = Σ_k (d[k] − mean[k]) · P[j][k] for j < outDim; divided by sqrt(var[j]) when whitening. */
export function projectPca(rows: Float32Array, count: number, pca: PcaParameters, whiten: boolean): Float32Array {
  const { inDim, outDim, mean, projection, variances } = pca;
  if (whiten && !variances) throw new Error("whitening needs PCA variances");
  const out = new Float32Array(count * outDim);
  const centred = new Float32Array(inDim);
  for (let r = 0; r < count; r++) {
    for (let k = 0; k < inDim; k++) centred[k] = rows[r * inDim + k] - mean[k];
    for (let j = 0; j < outDim; j++) {
      let sum = 0;
      const p = j * inDim;
      for (let k = 0; k < inDim; k++) sum += centred[k] * projection[p + k];
      out[r * outDim + j] = whiten ? f32(sum) / f32(Math.sqrt(variances![j])) : sum;
    }
  }
  return out;
}

/** The whole §5 chain for `count` raw rows of length pca.inDim → count × pca.outDim unit rows. */
export function postProcessDescriptors(raw: Float32Array, count: number, pca: PcaParameters, whiten: boolean): Float32Array {
  l2NormalizeRows(raw, pca.inDim);
  return l2NormalizeRows(projectPca(raw, count, pca, whiten), pca.outDim);
}
