/**
 * `bench -- gemm [--reps 5] [--flavour relaxed-simd|simd128] [--tile 4x8,6x8,…|all] [--workerd] [--json]`
 * The conv kernel's GEMM (a 1×1 conv, bias + ReLU fused; and a stride-1 3×3 through the engine's
 * Winograd path) against tfjs-wasm's XNNPACK (fused matMul / conv2d) on DELF's real layer shapes
 * (M = cells of a level, K = in, N = out), every listed tile alternated in one run
 * (scripts/bench/gemm/measure.ts); each stride-1 3×3 once per Winograd variant (F(4×4), direct). With --workerd the same measurement then runs inside a fresh
 * workerd process (vitest-pool-workers) and each shape gets its workerd/Node time ratio per tile.
 */
import { parseArgs } from "node:util";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { CONV_KERNEL_TILES, type ConvKernelFlavour, type ConvKernelTile } from "../../src/delf/conv-engine/kernel";
import { measureGemm, type GemmOptions } from "./gemm/measure";
import { runInWorkerd } from "./workerd/run";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { reps: { type: "string", default: "5" }, flavour: { type: "string" }, tile: { type: "string", default: "all" }, workerd: { type: "boolean" }, json: { type: "boolean" } },
  });
  const modules = await loadNodeWasmModules();
  const tiles = (values.tile === "all" ? [...CONV_KERNEL_TILES] : values.tile!.split(",")) as ConvKernelTile[];
  const unknown = tiles.filter((t) => !CONV_KERNEL_TILES.includes(t));
  if (unknown.length) {
    process.stderr.write(`gemm: unknown tile ${unknown.join(",")} (have ${CONV_KERNEL_TILES.join(",")})\n`);
    return 2;
  }
  const options: GemmOptions = { reps: Number(values.reps), flavour: values.flavour as ConvKernelFlavour | undefined, tiles };
  const node = await measureGemm(modules, options);
  const workerd = values.workerd ? await runInWorkerd<typeof node & { userAgent: string }>("gemm", "WORKERD_GEMM", options) : null;
  const out = {
    flavour: node.flavour, ...(workerd ? { workerdFlavour: workerd.flavour, workerdUserAgent: workerd.userAgent } : {}), tiles, reps: options.reps,
    rows: node.rows.map((row, i) => ({
      shape: row.shape, ...(row.winograd ? { winograd: row.winograd } : {}), M: row.M, K: row.K, N: row.N,
      nodeGflops: { ...row.gflops, tfjs: row.tfjsGflops },
      ...(workerd ? {
        workerdGflops: { ...workerd.rows[i].gflops, tfjs: workerd.rows[i].tfjsGflops },
        workerdOverNode: Object.fromEntries([...tiles.map((t) => [t, Number((workerd.rows[i].ms[t] / row.ms[t]).toFixed(2))]), ["tfjs", Number((workerd.rows[i].tfjsMs / row.tfjsMs).toFixed(2))]]),
      } : {}),
    })),
    node,
    workerd,
  };
  process.stdout.write(values.json ? `${JSON.stringify(out)}\n` : `${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
