/**
 * One DELF model per isolate/process, loaded lazily on first use and verified once
 * (sha-256 of every shard, every tensor's name and shape). A missing or corrupt model is reported,
 * never replaced by something else: only an explicit `synthetic:<seed>` source makes synthetic
 * weights (the dev server and tests ask for that on purpose).
 */
import { loadModelDirectory } from "../model/model-directory";
import { createDelfModel, syntheticDelfModel, type DelfModel } from "../delf/model";

export type ModelSource =
  | { kind: "directory"; readFile: (path: string) => Promise<Uint8Array> }
  | { kind: "synthetic"; seed: number }
  | { kind: "none"; reason: string };

export type ModelState =
  | { state: "not_loaded" }
  | { state: "loading" }
  | { state: "ready"; trained: boolean; source: string; tensorCount: number; loadMs: number }
  | { state: "unavailable"; reason: string };

export class ModelUnavailableError extends Error {
  readonly code = "model_unavailable";
  constructor(reason: string) {
    super(reason);
    this.name = "ModelUnavailableError";
  }
}

/** How long a failed load is remembered before the next request tries again. */
const RETRY_AFTER_FAILURE_MS = 10_000;

export class ModelProvider {
  private loading: Promise<DelfModel> | undefined;
  private failedAt = 0;
  private current: ModelState = { state: "not_loaded" };

  constructor(private readonly resolveSource: () => Promise<ModelSource>) {}

  get status(): ModelState {
    return this.current;
  }

  /** The loaded model; throws ModelUnavailableError when there is none or it is broken. */
  get(): Promise<DelfModel> {
    if (this.current.state === "unavailable" && Date.now() - this.failedAt < RETRY_AFTER_FAILURE_MS)
      return Promise.reject(new ModelUnavailableError(this.current.reason));
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined;
      this.failedAt = Date.now();
      const reason = error instanceof Error ? error.message : String(error);
      this.current = { state: "unavailable", reason };
      throw new ModelUnavailableError(reason);
    });
    return this.loading;
  }

  private async load(): Promise<DelfModel> {
    this.current = { state: "loading" };
    const started = Date.now();
    const source = await this.resolveSource();
    let model: DelfModel;
    if (source.kind === "none") throw new Error(source.reason);
    if (source.kind === "synthetic") {
      model = syntheticDelfModel(source.seed);
      console.warn(`[delf-edge] WARNING: serving SYNTHETIC DELF weights (synthetic:${source.seed}); results are not DELF quality (trained: false)`);
    } else {
      const loaded = await loadModelDirectory(source.readFile);
      // consumeTensors: the directory's buffers can be collected while the warm-up grows the heap.
      model = createDelfModel(loaded.tensors, { trained: loaded.manifest.trained, source: loaded.manifest.source }, { consumeTensors: true });
    }
    this.current = {
      state: "ready",
      trained: model.trained,
      source: model.source,
      tensorCount: model.tensorCount,
      loadMs: Date.now() - started,
    };
    return model;
  }
}
