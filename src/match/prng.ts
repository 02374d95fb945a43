/**
 * The seeded sample generator of RANSAC: xoshiro128** seeded through splitmix32. Only 32-bit integer
 * arithmetic (Math.imul, shifts), so a seed gives the same sequence on every JavaScript runtime.
 * Samples are drawn here, before the kernel runs, so the kernel and the plain-TS reference consume
 * exactly the same sequence.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const splitmix32 = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [0, n), 1 ≤ n ≤ 2^32, without modulo bias (rejection). */
  below(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * `trials` samples of `size` distinct indices in [0, m), uniform over ordered tuples, flattened
 * (trial t = entries [t·size, (t + 1)·size)). Requires m ≥ size.
 */
export function drawSamples(seed: number, m: number, size: number, trials: number): Int32Array {
  if (m < size) return new Int32Array(0);
  const out = new Int32Array(trials * size);
  const random = new SeededRandom(seed);
  for (let t = 0; t < trials; t++) {
    const base = t * size;
    for (let s = 0; s < size; s++) {
      let candidate: number;
      let repeated: boolean;
      do {
        candidate = random.below(m);
        repeated = false;
        for (let p = 0; p < s; p++) if (out[base + p] === candidate) repeated = true;
      } while (repeated);
      out[base + s] = candidate;
    }
  }
  return out;
}
