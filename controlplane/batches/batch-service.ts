// The control plane's side of gateway batches as the data plane's surfaces ask for them
// (GatewayBatchService, the data plane's library face): create, read, cancel and results over the
// batch tables, every query scoped to the caller's org. The embedded default hands it to its data
// plane; the worker (worker.ts) runs what it stores.
import type {
  GatewayBatchService,
  GatewayBatchState,
  NewGatewayBatch,
} from "../../dataplane/in-process.ts";
import type { Database } from "../db/client.ts";
import type { GatewayBatchRow } from "../db/schema/index.ts";
import {
  cancelGatewayBatch,
  createGatewayBatch,
  gatewayBatchResults,
  readGatewayBatch,
} from "./batches.ts";
import type { BatchProgress } from "./store.ts";

export function gatewayBatchService(
  db: Database,
  now: () => number = Date.now,
): GatewayBatchService {
  return {
    async create(orgId, batch: NewGatewayBatch) {
      const row = await createGatewayBatch(db, orgId, {
        ...batch,
        deadlineAt: batch.deadlineAt === null ? null : new Date(batch.deadlineAt),
      });
      const total = batch.lines.length;
      return stateOf(row, {
        pending: total,
        claimed: 0,
        succeeded: 0,
        errored: 0,
        canceled: 0,
        expired: 0,
        total,
        spentUsd: 0,
      });
    },
    async read(orgId, id) {
      const found = await readGatewayBatch(db, orgId, id);
      return found ? stateOf(found.batch, found.progress) : null;
    },
    async cancel(orgId, id) {
      const found = await cancelGatewayBatch(db, orgId, id, new Date(now()));
      return found ? stateOf(found.batch, found.progress) : null;
    },
    async *results(orgId, id, which) {
      const found = await readGatewayBatch(db, orgId, id);
      if (!found) return;
      yield* gatewayBatchResults(db, orgId, found.batch, which);
    },
  };
}

const ms = (date: Date | null) => (date === null ? null : date.getTime());

function stateOf(row: GatewayBatchRow, progress: BatchProgress): GatewayBatchState {
  return {
    id: row.id,
    surface: row.surface,
    endpoint: row.endpoint,
    status: row.status,
    endReason: row.end_reason,
    inputFileId: row.input_file_id,
    metadata: row.metadata,
    createdAt: row.created_at.getTime(),
    deadlineAt: ms(row.deadline_at),
    cancelRequestedAt: ms(row.cancel_requested_at),
    endedAt: ms(row.ended_at),
    spendCapUsd: row.spend_cap_usd,
    counts: {
      total: row.total_lines,
      pending: progress.pending,
      claimed: progress.claimed,
      succeeded: progress.succeeded,
      errored: progress.errored,
      canceled: progress.canceled,
      expired: progress.expired,
      spentUsd: progress.spentUsd,
    },
  };
}
