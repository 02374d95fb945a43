/**
 * Benchmarks: `npm run --silent bench -- <name> [options]`. Each lives in scripts/bench/<name>.ts
 * and exports `run(argv): Promise<number>`. Results go to stdout (JSON with --json); figures
 * quoted in docs/BENCHMARKS.md come from these scripts. Benchmarks are never tests.
 */
export {};

const benches: Record<string, string> = {
  extract: "DELF extraction time per pyramid and per scale, GFLOP/s, heap",
  kernels: "nearest neighbours + RANSAC kernels vs plain TypeScript",
  memory: "peak wasm + JS heap of a full /v1/match-equivalent in a fresh runtime",
  load: "HTTP load against a running service (loopback only)",
  images: "image decode and fit timings (JPEG/PNG/WebP, several sizes)",
  retrieval: "retrieval index at 1k/10k/100k items inside workerd: index time, storage, search p50/p95",
  "retrieval-quality": "retrieval mAP / P@1 / P@5 on the stand-in features (../shared/data/retrieval)",
  "photo-accuracy": "reduced decode vs Pillow's full-resolution fit on upscaled shared images (needs python3-pil)",
  photos: "write phone-sized test photos (24 MP JPEG, 12 MP PNG/WebP/progressive JPEG) for the memory bench",
  profile: "per-layer-type time of one pyramid: product, product on plain tfjs convs, plain baseline",
  cold: "a cold isolate's first /v1/features vs the next ones (fresh wrangler dev per run, or --isolates N per workerd; model from Static Assets)",
  workerd: "extraction inside workerd (fresh isolates: cold path in parts, warm vs plain baseline) next to Node",
  host: "how steady this VM's CPU speed is: a fixed loop's time, second by second, per vCPU",
  gemm: "the conv kernel (every tile) vs tfjs matMul/conv2d on DELF's real layer shapes; --workerd: also inside workerd",
};

const [name, ...argv] = process.argv.slice(2);
if (!name || !(name in benches)) {
  const lines = Object.entries(benches).map(([n, what]) => `  ${n.padEnd(10)} ${what}`);
  process.stderr.write(`usage: npm run --silent bench -- <name> [options]\n\n${lines.join("\n")}\n`);
  process.exit(name ? 2 : 0);
}
try {
  const bench = (await import(`./bench/${name}.ts`)) as { run(argv: string[]): Promise<number> };
  process.exitCode = await bench.run(argv);
} catch (error) {
  process.stderr.write(`${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
}
