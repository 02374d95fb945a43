// Runs scripts/bench/workerd/extract.in-workerd.ts inside workerd (vitest-pool-workers), one fresh
// workerd process per `vitest run`. Used by `bench -- workerd`; not part of `npm test`.
import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { bindings: { MODEL_FALLBACK: "synthetic:1", BENCH_CONFIG: process.env.BENCH_CONFIG ?? "{}" } },
    }),
  ],
  test: {
    include: ["scripts/bench/workerd/*.in-workerd.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
