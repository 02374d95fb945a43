// Entry point of the kernels' wasm module: re-exports every kernel.
// Kernels are flat functions over pointers into this module's own memory; the TS wrappers
// in src/match/ copy inputs in once, call, and read results out. No GC allocation in hot loops.
export * from "./memory";
export * from "./distance";
export { nearestNeighbours } from "./nn";
export { ransac } from "./ransac";
export { assignWords } from "./retrieval/assign";
