import type { ServiceContext } from "../service/context";
import type { Bindings } from "./bindings";
import type { Codebook } from "../retrieval/core";

/** What differs between the Worker and Node front doors: how the isolate's context is built. */
export interface Platform {
  /** The isolate's (process's) service context; built once, on first use. */
  context(env: Bindings): Promise<ServiceContext>;
  /** The retrieval codebook, verified once (throws CodebookError, code index_unavailable). Absent: no retrieval. */
  codebook?(env: Bindings): Promise<Codebook>;
}
