// Names on the bus (DESIGN §8). Both bus implementations use exactly these.
export const CONFIG_BUCKET = "modelux_config";
export const SNAPSHOT_KEY = "snapshot";
export const SPEND_DELTA_PREFIX = "modelux.spend.delta";
export const BUDGET_STATE_SUBJECT = "modelux.budget.state";
/** Per-key limit counts, data plane → data planes (docs/limits.md). */
export const LIMIT_USAGE_PREFIX = "modelux.limits.usage";
export const limitUsageSubject = (nodeId: string) => `${LIMIT_USAGE_PREFIX}.${nodeId}`;
/** Circuit breakers that are not closed, data plane → control planes (docs/provider-health.md). */
export const CIRCUIT_STATE_PREFIX = "modelux.health.circuits";
export const circuitStateSubject = (nodeId: string) => `${CIRCUIT_STATE_PREFIX}.${nodeId}`;
export const TRACE_STREAM = "MODELUX_TRACES";
export const TRACE_SUBJECT_PREFIX = "modelux.trace";
/**
 * Messages of encoded trace lines (many rows, any projects: Bus.publishTraceLines). `_lines` is
 * no project id (those are `prj_…`), so it cannot meet a per-record subject.
 */
export const TRACE_LINES_SUBJECT = `${TRACE_SUBJECT_PREFIX}._lines`;
export const CONTROL_SUBJECT_PREFIX = "modelux.control";
/** Durable consumer the control plane's ingester reads the trace stream with. */
export const TRACE_CONSUMER = "modelux-ingest";

export const spendDeltaSubject = (nodeId: string) => `${SPEND_DELTA_PREFIX}.${nodeId}`;
export const traceSubject = (projectId: string) => `${TRACE_SUBJECT_PREFIX}.${projectId}`;
export const controlSubject = (event: string) => `${CONTROL_SUBJECT_PREFIX}.${event}`;

/** State-store buckets (shared/bus/state-store.ts): `<prefix>_<namespace>`, one per namespace. */
export const STATE_BUCKET_PREFIX = "modelux_state";
export const stateBucket = (prefix: string, namespace: string) =>
  `${prefix}_${namespace.replaceAll("-", "_")}`;
/** Beside each, an object store for values larger than one message may be. */
export const stateObjectBucket = (prefix: string, namespace: string) =>
  `${stateBucket(prefix, namespace)}_large`;

/** Requests to whoever serves a kind of request (Bus.request); one server of the queue answers. */
export const REQUEST_QUEUE = "modelux-servers";
/** Gateway-run batches, data plane → control plane (docs/batches-and-files.md). */
export const GATEWAY_BATCHES_SUBJECT = "modelux.batches.request";
