import { defineConfig } from "vitest/config";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";

// Two kinds of test: unit tests in Node, and integration tests that run inside workerd
// (the Workers runtime) through @cloudflare/vitest-pool-workers. `e2e` drives a real browser.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: "forks",
          // Node 20 (V8 11.3) needs this for the relaxed-SIMD conv kernel; workerd has it on by default.
          // Without it the SIMD128 build runs (both are tested: test/node/delf/conv-engine.test.ts).
          execArgv: ["--experimental-wasm-relaxed-simd"],
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: "./src/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            // Without imported model files, the Worker under test runs on synthetic weights (as `npm run dev`).
            // D1, R2 and the Queues come from wrangler.toml (miniflare's local ones); retrieval tests apply
            // the D1 migrations themselves (applyD1Migrations with TEST_MIGRATIONS).
            miniflare: { bindings: { MODEL_FALLBACK: "synthetic:1", TEST_MIGRATIONS: await readD1Migrations("./migrations") } },
          }),
        ],
        test: {
          name: "workerd",
          include: ["test/workerd/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
