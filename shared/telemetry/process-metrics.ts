// prom-client's process metrics (CPU, resident memory, heap, event-loop lag, open handles),
// collected once per process however many planes it runs (the embedded default runs two, a test
// process many) and shown in every plane's /metrics.
import { collectDefaultMetrics, Registry } from "prom-client";

let shared: Registry | null = null;

/** A plane's own registry with the process's metrics beside its series. */
export function withProcessMetrics(registry: Registry): Registry {
  if (shared === null) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return Registry.merge([registry, shared]);
}
