/** The Worker entry: the Hono app over the wasm modules wrangler bundles. */
import { createApp } from "./http/app";
import { workerWasmModules } from "./runtime/wasm-modules.worker";

const app = createApp({ wasmModules: async () => workerWasmModules });

export default app;
export type AppType = typeof app;
