/**
 * The AssemblyScript kernels' instance (assembly/ → build/kernels.wasm). One instance per
 * isolate/process; the wrappers in src/match/ use its arena to pass arrays in and out.
 */
export interface KernelExports {
  memory: WebAssembly.Memory;
  arenaAlloc(bytes: number): number;
  arenaReset(): void;
  memoryBytes(): number;
  squaredDistanceBlock(a: number, na: number, b: number, nb: number, dim: number, out: number): void;
  /** assembly/nn.ts: accepted matches per image-2 row (−1 = none); returns the count, −1 on OOM. */
  nearestNeighbours(
    d1: number, n1: number, d2: number, n2: number, dim: number, boundSq: number, mode: number, ratio: number,
    outIndex: number, outDistSq: number,
  ): number;
  /** assembly/ransac.ts: RANSAC over pre-drawn samples; returns the number of trials run. */
  ransac(
    kind: number, points: number, m: number, samples: number, maxTrials: number, dynamicTrials: number,
    thresholdSq: number, outMask: number, outModel: number, outStats: number,
  ): number;
  [name: string]: unknown;
}

let instance: Promise<KernelExports> | undefined;

/** Instantiates the kernels module (once). No imports: the module is self-contained. */
export function startKernels(module: WebAssembly.Module): Promise<KernelExports> {
  instance ??= WebAssembly.instantiate(module, {}).then((i) => i.exports as unknown as KernelExports);
  return instance;
}

/** The started kernels; throws if `startKernels` has not completed. */
export async function kernels(): Promise<KernelExports> {
  if (!instance) throw new Error("kernels not started");
  return instance;
}

/** Reserves `bytes` in the kernel arena, growing memory; throws when wasm memory cannot grow. */
export function arenaAlloc(k: KernelExports, bytes: number): number {
  const ptr = k.arenaAlloc(bytes);
  if (ptr === 0) throw new Error(`kernel arena could not allocate ${bytes} bytes`);
  return ptr;
}
