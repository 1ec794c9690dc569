// Gateway-run batches as a module API, for the surfaces' runner and the tests: create one from
// its lines, read its progress, cancel it, read its results in the surface's format.
import { asc, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type GatewayBatchRow, gatewayBatches, gatewayBatchLines } from "../db/schema/index.ts";
import { scoped } from "../db/tenant.ts";
import { anthropicResultLine, openAiResultLine } from "./result-lines.ts";
import { type BatchProgress, batchProgress, insertBatch, type NewBatch } from "./store.ts";

export const GATEWAY_BATCH_PREFIX = { openai: "batch_mlx_", anthropic: "msgbatch_mlx_" } as const;

export async function createGatewayBatch(
  db: Database,
  orgId: string,
  batch: Omit<NewBatch, "id">,
): Promise<GatewayBatchRow> {
  const id = `${GATEWAY_BATCH_PREFIX[batch.surface]}${crypto.randomUUID().replaceAll("-", "")}`;
  return insertBatch(db, orgId, { ...batch, id });
}

export async function readGatewayBatch(
  db: Database,
  orgId: string,
  id: string,
): Promise<{ batch: GatewayBatchRow; progress: BatchProgress } | undefined> {
  const tenant = scoped(db, orgId);
  const batch = await tenant.find(gatewayBatches, id);
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
