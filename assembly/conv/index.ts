// Entry of the conv kernels' wasm module (imports tfjs-wasm's memory; see conv.ts).
export { conv } from "./conv";
export { winogradInput, winogradOutput } from "./winograd";
