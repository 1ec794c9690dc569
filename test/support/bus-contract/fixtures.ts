// What the bus contract's parts share: a snapshot of a given version, a trace record by index,
// a recorder of the trace batches a consumer is handed.
import type { TraceBatch } from "#shared/bus/bus.ts";
import type { SnapshotEnvelope, TraceRecord } from "#shared/bus/envelopes.ts";

export function snapshotWithVersion(version: number): SnapshotEnvelope {
  return {
    schema_version: 1,
    version,
    sha256: version.toString(16).padStart(64, "0"),
    created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, version)).toISOString(),
    body: { routing_configs: [{ slug: "@default", version }] },
  };
}

export function traceRecord(index: number, projectId = "prj_contract"): TraceRecord {
  return {
    request_id: `req_${String(index).padStart(5, "0")}`,
    project_id: projectId,
    org_id: "org_contract",
    created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, index)).toISOString(),
    model: "gpt-4o-mini",
  };
}

/** Records every batch handed to a consumer; `settle` decides what to do with each one. */
export function batchRecorder(settle: (batch: TraceBatch, deliveryIndex: number) => Promise<void>) {
  const batches: TraceRecord[][] = [];
  const messageCounts: number[] = [];
  const onBatch = async (batch: TraceBatch) => {
    batches.push(batch.records);
    messageCounts.push(batch.messages);
    await settle(batch, batches.length - 1);
  };
  const requestIds = () => batches.flat().map((record) => record.request_id);
  return { batches, messageCounts, onBatch, requestIds };
}

// Trace tests wait out ack waits and one-second pulls; the runner's default of 5 s is too tight.
export const TRACE_TEST_TIMEOUT_MS = 20_000;

export const ackAll = (batch: TraceBatch) => batch.ack();
export const sorted = (values: string[]) => [...values].sort();
