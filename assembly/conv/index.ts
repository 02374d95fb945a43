// Entry of the conv kernels' wasm module (imports tfjs-wasm's memory; see conv.ts).
export { conv4x8 } from "./conv";
export { conv6x8 } from "./conv6x8";
export { winogradInput, winogradOutput } from "./winograd";
export { conv4x8p, conv4x8s } from "./conv-packed";
