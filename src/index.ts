/** The Worker entry: the Hono app over the Worker platform (bundled wasm, Static Assets model). */
import { createApp } from "./http/app";
import { workerPlatform } from "./worker-platform";

const app = createApp(workerPlatform());

export default app;
export type AppType = typeof app;
