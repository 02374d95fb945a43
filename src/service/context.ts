/** Everything a request needs from its isolate/process, built once by the front door. */
import type { WasmModules } from "../runtime/wasm-modules";
import type { KernelExports } from "../runtime/kernels";
import type { ModelProvider } from "./model-provider";
import type { FeatureCache } from "./feature-cache";
import type { SerialQueue } from "./serial-queue";
import type { StreamHashFactory } from "./stream-hash";

export interface ServiceContext {
  modules: WasmModules;
  kernels: KernelExports;
  models: ModelProvider;
  cache: FeatureCache;
  /** Serialises all tfjs and kernel work of this isolate. */
  queue: SerialQueue;
  /** An incremental SHA-256 (the cache key of an image decoded while it arrives). */
  streamHash: StreamHashFactory;
}
