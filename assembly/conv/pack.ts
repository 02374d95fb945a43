// Packs one HWIO filter into the layout the conv kernels read: panels [outC/8][tap·in][8], each
// weight times its output channel's `scale` (BatchNorm folded while packing; scale 0 = none),
// zero past outC. Runs once per conv while a cold isolate loads the model
// (src/delf/conv-engine/wasm-engine.ts): the same loop in JS, still unoptimised there, cost about
// 0.1 s of the first answer (docs/BENCHMARKS.md). One float32 multiply per weight, as
// scaleOutputChannels: the bits do not depend on where it runs.

export function packFilter(src: usize, scale: usize, taps: i32, inC: i32, outC: i32, dst: usize): void {
  const rows = taps * inC;
  const whole = outC - (outC & 7);
  const rowBytes = <usize>outC << 2;
  for (let p = 0; p < whole; p += 8) {
    const k0 = scale ? v128.load(scale + (<usize>p << 2)) : f32x4.splat(1);
    const k1 = scale ? v128.load(scale + (<usize>p << 2) + 16) : f32x4.splat(1);
    let from = src + (<usize>p << 2);
    for (let r = 0; r < rows; r++) {
      v128.store(dst, f32x4.mul(v128.load(from), k0));
      v128.store(dst + 16, f32x4.mul(v128.load(from + 16), k1));
      from += rowBytes;
      dst += 32;
    }
  }
  if (whole == outC) return;
  for (let r = 0; r < rows; r++) {
    const from = src + ((<usize>r * <usize>outC + <usize>whole) << 2);
    for (let j = 0; j < 8; j++) {
      const c = whole + j;
      let w: f32 = 0;
      if (c < outC) w = load<f32>(from + (<usize>j << 2)) * (scale ? load<f32>(scale + (<usize>c << 2)) : <f32>1);
      store<f32>(dst + (<usize>j << 2), w);
    }
    dst += 32;
  }
}
