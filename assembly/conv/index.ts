// Entry of the conv kernels' wasm module (imports tfjs-wasm's memory; see conv.ts).
export { conv4x8 } from "./conv";
export { conv4x8s } from "./conv-packed";
export { winograd4Input, winograd4Filter, winograd4Output } from "./winograd4";
export { packFilter } from "./pack";
