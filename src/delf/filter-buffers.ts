/**
 * The folded filters live back to back in ONE wasm allocation, each tfjs tensor a view into it.
 *
 * Why: tfjs-wasm holds each filter as a tfjs tensor AND as XNNPACK's packed copy inside the operator
 * it caches per filter. Once every layer has run once, the cached operators never read the tfjs
 * buffer again, so `release()` frees it while keeping the tensors alive (disposing them would drop
 * the cached operators). Uploaded one by one, the filters would be separated by the small C++
 * bookkeeping allocations of each tensor, and freeing them would leave only ≤ 2 MiB holes; as one
 * block they become one free stretch of ≈ 34.5 MiB that the large activations can reuse.
 * The block is poisoned with NaN before it is freed, so a stale read could never go unnoticed
 * (outputs would turn NaN; tests would fail).
 * Relies on @tensorflow/tfjs-backend-wasm 4.22.0 internals (pinned exactly in package.json):
 * `dataIdMap[...].memoryOffset`, `makeOutput(shape, dtype, memoryOffset)`, `wasm._malloc/_free`.
 */
import * as tf from "@tensorflow/tfjs-core";

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: "float32", memoryOffset: number): tf.TensorInfo;
  wasm: { HEAPF32: Float32Array; _malloc(bytes: number): number; _free(ptr: number): void };
}

const backend = () => tf.backend() as unknown as WasmBackendInternals;

export class FilterBlock {
  readonly tensors: tf.Tensor[];
  private block: number;
  private readonly offsets: number[];
  private readonly bytes: number;

  /** One allocation for tensors of `shapes` (contents uninitialised until `write`). */
  constructor(shapes: number[][]) {
    const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    this.bytes = 4 * sizes.reduce((a, b) => a + b, 0);
    const b = backend();
    this.block = b.wasm._malloc(this.bytes) >>> 0;
    if (this.block === 0) throw new Error(`could not allocate ${this.bytes} bytes for the filters`);
    let at = this.block;
    this.offsets = sizes.map((n) => ((at += 4 * n), at - 4 * n));
    this.tensors = shapes.map((shape, i) => tf.engine().makeTensorFromTensorInfo(b.makeOutput(shape, "float32", this.offsets[i])));
  }

  write(index: number, values: Float32Array): void {
    if (this.block === 0) throw new Error("filter block already released");
    if (values.length !== this.tensors[index].size) throw new RangeError("filter size mismatch");
    // HEAPF32 is re-read: the heap may have grown (and the view been replaced) since the last write.
    backend().wasm.HEAPF32.set(values, this.offsets[index] / 4);
  }

  /** Poisons and frees the block; the tensors stay alive. Returns the bytes freed (0 if already). */
  release(): number {
    if (this.block === 0) return 0;
    const b = backend();
    new Float32Array(b.wasm.HEAPF32.buffer, this.block, this.bytes / 4).fill(Number.NaN);
    this.detach();
    b.wasm._free(this.block);
    this.block = 0;
    return this.bytes;
  }

  /** Disposes the tensors and frees the block if it is still held. */
  dispose(): void {
    const block = this.block;
    this.detach();
    tf.dispose(this.tensors);
    if (block !== 0) backend().wasm._free(block);
    this.block = 0;
  }

  /** Tensors must never free their interior pointers: disposeData() then calls _free(0), a no-op. */
  private detach(): void {
    const b = backend();
    for (const t of this.tensors) {
      const data = b.dataIdMap.get(t.dataId);
      if (data) data.memoryOffset = 0;
    }
  }
}
