/** GET /v1/jobs/{job}: a batch job's progress: done, pending, and each failure with its code. */
import { Hono } from "hono";
import type { Bindings } from "../bindings";
import { ApiError } from "../errors";
import { jobStore } from "../retrieval-deps";

export function jobRoutes() {
  return new Hono<{ Bindings: Bindings }>().get("/v1/jobs/:job", async (c) => {
    const job = c.req.param("job");
    if (!/^[0-9a-f-]{36}$/.test(job)) throw new ApiError("job_not_found", `no job ${job.slice(0, 64)}`);
    const status = await jobStore(c.env).status(job);
    if (!status) throw new ApiError("job_not_found", `no job ${job}`);
    return c.json(status);
  });
}
