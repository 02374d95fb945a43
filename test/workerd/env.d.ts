// Types of the cloudflare:test module inside workerd tests.
/// <reference types="@cloudflare/vitest-pool-workers/types" />
