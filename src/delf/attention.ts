/** Attention score = softplus(logit), with TF's float32 softplus kernel branches (spec §3.4). */
const f32 = Math.fround;

/** log(float32 epsilon) + 2: TF returns x above −T and exp(x) below T. */
const SOFTPLUS_THRESHOLD = Math.log(2 ** -23) + 2;

export function softplus(x: number): number {
  if (x > -SOFTPLUS_THRESHOLD) return f32(x);
  if (x < SOFTPLUS_THRESHOLD) return f32(Math.exp(x));
  return f32(Math.log1p(Math.exp(x)));
}
