/**
 * Wasm-heap budgets of the DELF memory tests, set from measurement (docs/BENCHMARKS.md, "Memory").
 * The tfjs heap grows in emscripten steps (new = max(request, 1.2 × old), 64 KiB aligned) and never
 * shrinks, so these are the measured step plus under 1 MiB: growing to the next step fails the test.
 * Measured 2026-11-23 (tfjs engine) and 2026-11-28 (wasm conv engine) in Node 20.20 and in workerd (same binary, same allocation sequence).
 */
const MiB = 2 ** 20;

/** tfjs-wasm's initial memory (16 MiB): proves the runtime under test is fresh. */
export const INITIAL_HEAP_BYTES = 16 * MiB;
/**
 * After createDelfModel with the wasm conv engine (one packed block: filters — the 3×3/1s raw, as
 * Winograd F(4×4) transforms them per call —, 4 MiB Winograd scratch + a 1.25 MiB filter block, the
 * 4x8s tile's 192 KiB packed-A scratch; 64² warm-up): measured 48.2 MiB (58.8 MiB with F(2×2) filters stored transformed, 86.3 MiB with the tfjs engine).
 */
export const MODEL_HEAP_BUDGET_BYTES = 49 * MiB;
/**
 * After also extracting the 256² tutorial pyramid of the procedural image: measured 69.5 MiB with stem
 * bands of ≤ 362² pixels (83.0–83.4 with 240² bands; F(2×2) filters stored: 84.6; tfjs engine: 86.3).
 */
export const TUTORIAL_EXTRACTION_HEAP_BUDGET_BYTES = 70 * MiB;
