// The control plane's side of gateway batches as the data plane's surfaces ask for them
// (GatewayBatchService, the data plane's library face): a batch created in steps (staged, its
// lines appended in chunks, committed), read, cancelled, deleted once ended, its results read;
// every query scoped to the caller's org. The embedded default hands it to its data plane; the
// worker (worker.ts) runs what it stores.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import type { GatewayBatchService, GatewayBatchState } from "../../dataplane/in-process.ts";
import type { Database } from "../db/client.ts";
import { type GatewayBatchRow, gatewayBatches } from "../db/schema/index.ts";
import { scoped } from "../db/tenant.ts";
import {
  cancelGatewayBatch,
  deleteGatewayBatch,
  gatewayBatchResults,
  newGatewayBatchId,
  readGatewayBatch,
} from "./batches.ts";
import {
  appendLines,
  type BatchProgress,
  batchProgress,
  commitBatch,
  discardStagedBatch,
  stageBatch,
} from "./store.ts";

/** Lines per append when the service is called in process (no bus message to fit). */
const IN_PROCESS_APPEND_BYTES = 8 * 1024 * 1024;

export function gatewayBatchService(
  db: Database,
  now: () => number = Date.now,
): GatewayBatchService {
  const noStaged = (id: string) =>
    new GatewayError("not_found", `no batch ${quoteClientValue(id)} being created`);
  const surfaceOf = async (orgId: string, id: string) =>
    (await scoped(db, orgId).find(gatewayBatches, id))?.surface ?? "openai";
  return {
    appendBytes: IN_PROCESS_APPEND_BYTES,
    async stage(orgId, batch) {
      const id = newGatewayBatchId(batch.surface);
      await stageBatch(db, orgId, {
        ...batch,
        id,
        deadlineAt: batch.deadlineAt === null ? null : new Date(batch.deadlineAt),
      });
      return { id };
    },
    async append(orgId, id, first, lines) {
      const stored = await appendLines(db, orgId, id, first, lines, new Date(now()));
      if (stored === "missing") throw noStaged(id);
      if (stored !== "stored") throw repeatedCustomId(await surfaceOf(orgId, id), stored.repeated);
    },
    async commit(orgId, id, total) {
      const row = await commitBatch(db, orgId, id, total, new Date(now()));
      if (row === undefined) throw noStaged(id);
      if (row === "missing")
        throw new GatewayError(
          "invalid_request",
          `batch ${quoteClientValue(id)}: not every one of its ${total} lines was stored; create it again`,
        );
      return stateOf(row, await batchProgress(scoped(db, orgId), id));
    },
    discard: (orgId, id) => discardStagedBatch(db, orgId, id),
    async read(orgId, id) {
      const found = await readGatewayBatch(db, orgId, id);
      return found ? stateOf(found.batch, found.progress) : null;
    },
    async cancel(orgId, id) {
      const found = await cancelGatewayBatch(db, orgId, id, new Date(now()));
      return found ? stateOf(found.batch, found.progress) : null;
    },
    delete: (orgId, id) => deleteGatewayBatch(db, orgId, id),
    async *results(orgId, id, which) {
      const found = await readGatewayBatch(db, orgId, id);
      if (!found) return;
      yield* gatewayBatchResults(db, orgId, found.batch, which);
    },
  };
}

/** The surface's own words for a repeated custom_id (a 0-based line index). */
function repeatedCustomId(surface: "openai" | "anthropic", index: number): GatewayError {
  return surface === "openai"
    ? new GatewayError(
        "invalid_request",
        `input file line ${index + 1}: custom_id must be a string unique in the file`,
        { param: "input_file_id" },
      )
    : new GatewayError(
        "invalid_request",
        `requests.${index}.custom_id must be a string unique in the batch`,
        { param: `requests.${index}.custom_id` },
      );
}

const ms = (date: Date | null) => (date === null ? null : date.getTime());

function stateOf(row: GatewayBatchRow, progress: BatchProgress): GatewayBatchState {
  return {
    id: row.id,
    surface: row.surface,
    endpoint: row.endpoint,
    // A staged batch is never read (readGatewayBatch skips it) nor returned before its commit.
    status: row.status === "staging" ? "in_progress" : row.status,
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
