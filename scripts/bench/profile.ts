/**
 * `bench -- profile [--size 256] [--scales tutorial|a,b,c] [--runs 3] [--json]`
 * Where the time of one pyramid goes, per layer type, for three extractors on the same input and
 * weights: the product (wasm conv engine), the product with convEngine "tfjs" (before this engine:
 * XNNPACK convs + the JS add+ReLU loop), and the plain tfjs network of the --baseline benchmark.
 * Wall time per call (wasm runs synchronously), from the fastest of `runs` pyramids of each, after a
 * warm-up; "other" = the pyramid's time outside convs (resize, pools, slices, read-back, NMS, PCA).
 */
import { parseArgs } from "node:util";
import { loadNodeWasmModules } from "../../src/runtime/wasm-modules.node.js";
import { startRuntime } from "../../src/runtime/start";
import { syntheticModelTensors } from "../../src/delf/synthetic";
import { createDelfModel, type DelfModel } from "../../src/delf/model";
import { extractDelfFeatures, extractDelfFeaturesWith } from "../../src/delf/extract";
import { allConvs, delfNetworkSpec } from "../../src/delf/layers";
import { TUTORIAL_SCALES } from "../../src/delf/constants";
import { fitImage } from "../../src/image/fit";
import { decodeImage } from "../../src/image/decode";
import { texture } from "../../test/shared/texture";
import { plainDelfNetwork, type OpProfiler } from "./plain-delf";
import type { ConvEngine } from "../../src/delf/conv-engine";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const GRAF = fileURLToPath(new URL("../../../shared/data/pairs/graf/img1.png", import.meta.url));
const specs = new Map(allConvs(delfNetworkSpec()).map((c) => [c.scope, c]));
type Stats = Map<string, { ms: number; macs: number; calls: number }>;

function recorder(stats: Stats): OpProfiler {
  return (scope, ms, out) => {
    const s = specs.get(scope);
    const type = s ? `${s.kernel}×${s.kernel}/${s.stride}` : scope;
    const [, h, w] = out.shape;
    const macs = s ? h * w * s.kernel * s.kernel * s.inChannels * s.outChannels : 0;
    const v = stats.get(type) ?? { ms: 0, macs: 0, calls: 0 };
    stats.set(type, { ms: v.ms + ms, macs: v.macs + macs, calls: v.calls + 1 });
  };
}

/** Wraps an engine's two methods with the recorder (a unit's conv3 + add + ReLU counts as its 1×1). */
function instrument(engine: ConvEngine, record: () => OpProfiler): void {
  const conv = engine.conv.bind(engine), convAddRelu = engine.convAddRelu.bind(engine);
  engine.conv = (x, scope, relu) => {
    const t = performance.now();
    const y = conv(x, scope, relu);
    record()(scope, performance.now() - t, y);
    return y;
  };
  engine.convAddRelu = (x, scope, shortcut) => {
    const t = performance.now();
    const y = convAddRelu(x, scope, shortcut);
    record()(scope, performance.now() - t, y);
    return y;
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { size: { type: "string", default: "256" }, scales: { type: "string", default: "tutorial" }, runs: { type: "string", default: "3" }, json: { type: "boolean" } },
  });
  const modules = await loadNodeWasmModules();
  await startRuntime(modules);
  const size = Number(values.size);
  const scales = values.scales === "tutorial" ? [...TUTORIAL_SCALES] : values.scales!.split(",").map(Number);
  const input = existsSync(GRAF) && size === 256 ? fitImage((await decodeImage(new Uint8Array(await readFile(GRAF)), modules)).pixels, 256).pixels : texture(size);
  const tensors = () => new Map(syntheticModelTensors(1).map((t) => [t.name, { shape: t.shape, values: t.values }]));
  let current: Stats = new Map();
  const record = () => recorder(current);
  const product = createDelfModel(tensors(), { trained: false, source: "synthetic:1" });
  const before = createDelfModel(tensors(), { trained: false, source: "synthetic:1" }, { convEngine: "tfjs" });
  instrument(product.engine, record);
  instrument(before.engine, record);
  const plain = plainDelfNetwork(tensors(), (scope, ms, out) => record()(scope, ms, out));
  const extractors: Record<string, (m: DelfModel) => Promise<unknown>> = {
    "product (wasm conv engine)": () => extractDelfFeatures(product, input, { scales }),
    "product, convEngine tfjs (before)": () => extractDelfFeatures(before, input, { scales }),
    "plain tfjs (baseline)": () => extractDelfFeaturesWith(plain.run, product, input, { scales }),
  };
  const best = new Map<string, { total: number; stats: Stats }>();
  for (const f of Object.values(extractors)) await f(product); // warm-up
  for (let r = 0; r < Number(values.runs); r++)
    for (const [name, f] of Object.entries(extractors)) {
      current = new Map();
      const t = performance.now();
      await f(product);
      const total = performance.now() - t;
      if (total < (best.get(name)?.total ?? Infinity)) best.set(name, { total, stats: current });
    }
  const result = Object.fromEntries([...best].map(([name, { total, stats }]) => {
    const convMs = [...stats.values()].reduce((n, v) => n + v.ms, 0);
    const types = Object.fromEntries([...stats].sort().map(([type, v]) => [type, { ms: Math.round(v.ms), calls: v.calls, ...(v.macs ? { gflopsPerSecond: Number(((2 * v.macs) / 1e6 / v.ms).toFixed(1)) } : {}) }]));
    return [name, { totalMs: Math.round(total), ...types, otherMs: Math.round(total - convMs) }];
  }));
  product.dispose();
  before.dispose();
  plain.dispose();
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

