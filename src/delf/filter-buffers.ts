/**
 * tfjs-wasm holds each filter as a tfjs tensor AND as XNNPACK's packed copy inside the operator it
 * caches per filter (conv2d also keeps a transposed copy). Once every layer has run once, the cached
 * operators never read the tfjs buffer again, so we free that buffer while keeping the tensor (whose
 * disposal would drop the cached operator). The buffer is poisoned with NaN before it is freed, so a
 * stale read could never go unnoticed: outputs would turn NaN (tests would fail).
 * Relies on @tensorflow/tfjs-backend-wasm 4.22.0 internals (pinned exactly in package.json).
 */
import * as tf from "@tensorflow/tfjs-core";

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPF32: Float32Array; _free(ptr: number): void };
}

/** Frees the wasm buffers of `filters` (float32 tensors); returns the bytes released. */
export function releaseFilterBuffers(filters: tf.Tensor[]): number {
  const backend = tf.backend() as unknown as WasmBackendInternals;
  let released = 0;
  for (const filter of filters) {
    const data = backend.dataIdMap.get(filter.dataId);
    if (!data || data.memoryOffset === 0) continue;
    new Float32Array(backend.wasm.HEAPF32.buffer, data.memoryOffset, filter.size).fill(Number.NaN);
    backend.wasm._free(data.memoryOffset);
    // disposeData() later calls _free(memoryOffset): _free(0) is a no-op.
    data.memoryOffset = 0;
    released += filter.size * 4;
  }
  return released;
}
