// Gateway-run batches as a module API, for the surfaces' service and the tests: create one (staged,
// its lines appended in chunks, committed), read its progress, cancel it, delete it once ended,
// read its results in the surface's format. A staged batch is invisible here: its id is a 404
// until it is committed.
import { asc, eq, inArray, ne } from "drizzle-orm";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import type { Database } from "../db/client.ts";
import { type GatewayBatchRow, gatewayBatches, gatewayBatchLines } from "../db/schema/index.ts";
import { scoped } from "../db/tenant.ts";
import { anthropicResultLine, openAiResultLine } from "./result-lines.ts";
import {
  appendLines,
  type BatchProgress,
  batchProgress,
  commitBatch,
  type NewBatch,
  type NewLine,
  stageBatch,
} from "./store.ts";

export const GATEWAY_BATCH_PREFIX = { openai: "batch_mlx_", anthropic: "msgbatch_mlx_" } as const;

export const newGatewayBatchId = (surface: NewBatch["surface"]): string =>
  `${GATEWAY_BATCH_PREFIX[surface]}${crypto.randomUUID().replaceAll("-", "")}`;

/** A batch from lines at hand (tests, benchmarks): staged, appended, committed. */
export async function createGatewayBatch(
  db: Database,
  orgId: string,
  batch: Omit<NewBatch, "id"> & { lines: NewLine[] },
): Promise<GatewayBatchRow> {
  const { lines, ...header } = batch;
  const id = newGatewayBatchId(batch.surface);
  await stageBatch(db, orgId, { ...header, id });
  const stored = await appendLines(db, orgId, id, 0, lines, new Date());
  if (stored !== "stored")
    throw new Error(`batch ${id}: its lines were not stored (${JSON.stringify(stored)})`);
  const row = await commitBatch(db, orgId, id, lines.length, new Date());
  if (!row || row === "missing") throw new Error(`batch ${id} was not stored`);
  return row;
}

export async function readGatewayBatch(
  db: Database,
  orgId: string,
  id: string,
): Promise<{ batch: GatewayBatchRow; progress: BatchProgress } | undefined> {
  const tenant = scoped(db, orgId);
  const batch = await tenant.find(gatewayBatches, id, ne(gatewayBatches.status, "staging"));
  if (!batch) return undefined;
  return { batch, progress: await batchProgress(tenant, id) };
}

/** Stops sending: lines not sent yet end `canceled`; lines in flight finish. */
export async function cancelGatewayBatch(db: Database, orgId: string, id: string, at: Date) {
  const tenant = scoped(db, orgId);
  await tenant.updateWhere(
    gatewayBatches,
    { status: "cancelling", cancel_requested_at: at, updated_at: at },
    eq(gatewayBatches.id, id),
    eq(gatewayBatches.status, "in_progress"),
  );
  return readGatewayBatch(db, orgId, id);
}

/**
 * Deletes an ended batch with its lines and results (Anthropic's rule: only a batch that has
 * finished processing; one still running is a 400 saying to cancel it first). False when the org
 * has no such batch.
 */
export async function deleteGatewayBatch(db: Database, orgId: string, id: string) {
  return db.transaction(async (transaction) => {
    const tenant = scoped(transaction as unknown as Database, orgId);
    const [batch] = await tenant.db
      .select({ status: gatewayBatches.status })
      .from(gatewayBatches)
      .where(
        tenant.where(
          gatewayBatches,
          eq(gatewayBatches.id, id),
          ne(gatewayBatches.status, "staging"),
        ),
      )
      .for("update");
    if (!batch) return false;
    if (batch.status !== "ended")
      throw new GatewayError(
        "invalid_request",
        `batch ${quoteClientValue(id)} is still processing: a message batch can be deleted once it has ended; cancel it first`,
      );
    // Its lines go with it (gateway_batch_lines.batch_id cascades).
    await tenant.delete(gatewayBatches, id);
    return true;
  });
}

/** Its finished lines in line order as the surface's result lines (partial while it runs). */
export async function* gatewayBatchResults(
  db: Database,
  orgId: string,
  batch: GatewayBatchRow,
  which: "output" | "errors" | "all" = "all",
): AsyncGenerator<Record<string, unknown>> {
  const tenant = scoped(db, orgId);
  const statuses =
    which === "output"
      ? (["succeeded"] as const)
      : which === "errors"
        ? (["errored", "canceled", "expired"] as const)
        : (["succeeded", "errored", "canceled", "expired"] as const);
  const page = 500;
  for (let offset = 0; ; offset += page) {
    const rows = await tenant.db
      .select()
      .from(gatewayBatchLines)
      .where(
        tenant.where(
          gatewayBatchLines,
          eq(gatewayBatchLines.batch_id, batch.id),
          inArray(gatewayBatchLines.status, [...statuses]),
        ),
      )
      .orderBy(asc(gatewayBatchLines.line_index))
      .limit(page)
      .offset(offset);
    for (const row of rows)
      yield batch.surface === "openai" ? openAiResultLine(row) : anthropicResultLine(row);
    if (rows.length < page) return;
  }
}
