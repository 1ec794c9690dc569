// The batch worker's reads and writes of gateway_batches and gateway_batch_lines. Every query on
// one batch goes through the org's Tenant (controlplane/db/tenant.ts); only finding a batch to
// run reads across orgs, as the worker serves every org.
import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import { isUniqueViolation } from "../api/db-errors.ts";
import type { Database } from "../db/client.ts";
import {
  type GatewayBatchLineRow,
  type GatewayBatchRow,
  gatewayBatches,
  gatewayBatchLines,
  type KeptAnswer,
  type LineStatus,
} from "../db/schema/index.ts";
import { scoped, type Tenant } from "../db/tenant.ts";

const INSERT_CHUNK = 500;

export interface NewBatch {
  id: string;
  projectId: string;
  keyId: string;
  surface: "openai" | "anthropic";
  endpoint: string;
  reason: string;
  inputFileId: string | null;
  metadata: Record<string, string> | null;
  deadlineAt: Date | null;
  spendCapUsd: number | null;
}

export interface NewLine {
  customId: string;
  body: Record<string, unknown>;
}

/**
 * A batch being created (`staging`): neither visible to its org nor taken by a worker until
 * commitBatch; its lines come in chunks (appendLines), so a large batch never sits whole in
 * one statement, one transaction or one process.
 */
export async function stageBatch(db: Database, orgId: string, batch: NewBatch) {
  return scoped(db, orgId).insert(gatewayBatches, {
    id: batch.id,
    project_id: batch.projectId,
    key_id: batch.keyId,
    surface: batch.surface,
    endpoint: batch.endpoint,
    status: "staging",
    reason: batch.reason,
    input_file_id: batch.inputFileId,
    metadata: batch.metadata,
    deadline_at: batch.deadlineAt,
    spend_cap_usd: batch.spendCapUsd,
    total_lines: 0,
  });
}

/**
 * Lines `first`, `first + 1`, … of a staged batch. A line already stored (a chunk sent again
 * after a lost reply) is kept as it is. `missing` when the org has no such staged batch;
 * `repeated` names the first line whose custom_id an earlier line of the batch has (a unique
 * index checks it, so no process holds the batch's ids).
 */
export async function appendLines(
  db: Database,
  orgId: string,
  batchId: string,
  first: number,
  lines: NewLine[],
  now: Date,
): Promise<"stored" | "missing" | { repeated: number }> {
  const tenant = scoped(db, orgId);
  const touched = await tenant.db
    .update(gatewayBatches)
    .set({ updated_at: now })
    .where(
      tenant.where(
        gatewayBatches,
        eq(gatewayBatches.id, batchId),
        eq(gatewayBatches.status, "staging"),
      ),
    )
    .returning({ id: gatewayBatches.id });
  if (touched.length === 0) return "missing";
  for (let start = 0; start < lines.length; start += INSERT_CHUNK) {
    const values = lines.slice(start, start + INSERT_CHUNK).map((line, offset) => {
      const index = first + start + offset;
      return {
        id: `${batchId}:${index}`,
        org_id: orgId,
        batch_id: batchId,
        line_index: index,
        custom_id: line.customId,
        body: line.body,
      };
    });
    try {
      await tenant.db
        .insert(gatewayBatchLines)
        .values(values)
        .onConflictDoNothing({ target: gatewayBatchLines.id });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return { repeated: await repeatedLine(tenant, batchId, first, lines) };
    }
  }
  return "stored";
}

/** The first of `lines` (by index) whose custom_id a line before it already has. */
async function repeatedLine(
  tenant: Tenant,
  batchId: string,
  first: number,
  lines: NewLine[],
): Promise<number> {
  const stored = await tenant.db
    .select({ customId: gatewayBatchLines.custom_id, index: gatewayBatchLines.line_index })
    .from(gatewayBatchLines)
    .where(
      tenant.where(
        gatewayBatchLines,
        eq(gatewayBatchLines.batch_id, batchId),
        lt(gatewayBatchLines.line_index, first),
        inArray(
          gatewayBatchLines.custom_id,
          lines.map((line) => line.customId),
        ),
      ),
    );
  const seen = new Set(stored.map((row) => row.customId));
  for (const [offset, line] of lines.entries()) {
    if (seen.has(line.customId)) return first + offset;
    seen.add(line.customId);
  }
  return first;
}

/**
 * The staged batch, with `total` lines, made visible and runnable; undefined when the org has no
 * such staged batch, `missing` when fewer lines than `total` were stored (nothing changes).
 */
export async function commitBatch(
  db: Database,
  orgId: string,
  batchId: string,
  total: number,
  now: Date,
): Promise<GatewayBatchRow | "missing" | undefined> {
  return db.transaction(async (transaction) => {
    const tenant = scoped(transaction as unknown as Database, orgId);
    const [staged] = await tenant.db
      .select({ id: gatewayBatches.id })
      .from(gatewayBatches)
      .where(
        tenant.where(
          gatewayBatches,
          eq(gatewayBatches.id, batchId),
          eq(gatewayBatches.status, "staging"),
        ),
      )
      .for("update");
    if (!staged) return undefined;
    const stored = await tenant.count(gatewayBatchLines, eq(gatewayBatchLines.batch_id, batchId));
    if (stored !== total) return "missing";
    return tenant.update(gatewayBatches, batchId, {
      status: "in_progress",
      total_lines: total,
      created_at: now,
      updated_at: now,
    });
  });
}

/** Drops a staged batch and its lines (its creation failed); a committed one is left alone. */
export async function discardStagedBatch(db: Database, orgId: string, batchId: string) {
  const tenant = scoped(db, orgId);
  await tenant.db
    .delete(gatewayBatches)
    .where(
      tenant.where(
        gatewayBatches,
        eq(gatewayBatches.id, batchId),
        eq(gatewayBatches.status, "staging"),
      ),
    );
}

/**
 * Staged batches no line was appended to since `before` (their creator died midway), every org's:
 * dropped with their lines. The worker calls it when idle.
 */
export async function discardAbandonedStaging(db: Database, before: Date): Promise<number> {
  const rows = await db
    .delete(gatewayBatches)
    .where(and(eq(gatewayBatches.status, "staging"), lt(gatewayBatches.updated_at, before)))
    .returning({ id: gatewayBatches.id });
  return rows.length;
}

/**
 * Takes the oldest batch that is running and held by no live worker (or by this one), for
 * `leaseMs`: a worker that dies loses its batches when their lease runs out.
 */
export async function acquireBatch(
  db: Database,
  workerId: string,
  now: Date,
  leaseMs: number,
): Promise<GatewayBatchRow | undefined> {
  return db.transaction(async (transaction) => {
    const [free] = await transaction
      .select({ id: gatewayBatches.id })
      .from(gatewayBatches)
      .where(
        and(
          inArray(gatewayBatches.status, ["in_progress", "cancelling"]),
          or(
            isNull(gatewayBatches.lease_until),
            lt(gatewayBatches.lease_until, now),
            eq(gatewayBatches.lease_owner, workerId),
          ),
        ),
      )
      .orderBy(asc(gatewayBatches.created_at))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!free) return undefined;
    const [row] = await transaction
      .update(gatewayBatches)
      .set({ lease_owner: workerId, lease_until: new Date(now.getTime() + leaseMs) })
      .where(eq(gatewayBatches.id, free.id))
      .returning();
    return row;
  });
}

/** One batch's reads and writes, for the worker holding it. */
export class BatchStore {
  readonly tenant: Tenant;

  constructor(
    db: Database,
    readonly batch: GatewayBatchRow,
  ) {
    this.tenant = scoped(db, batch.org_id);
  }

  reload(): Promise<GatewayBatchRow | undefined> {
    return this.tenant.find(gatewayBatches, this.batch.id);
  }

  /** False when another worker holds the batch now. */
  async renewLease(workerId: string, until: Date): Promise<boolean> {
    const rows = await this.tenant.db
      .update(gatewayBatches)
      .set({ lease_until: until })
      .where(
        this.tenant.where(
          gatewayBatches,
          eq(gatewayBatches.id, this.batch.id),
          eq(gatewayBatches.lease_owner, workerId),
        ),
      )
      .returning({ id: gatewayBatches.id });
    return rows.length > 0;
  }

  async releaseLease(workerId: string): Promise<void> {
    await this.tenant.updateWhere(
      gatewayBatches,
      { lease_owner: null, lease_until: null },
      eq(gatewayBatches.id, this.batch.id),
      eq(gatewayBatches.lease_owner, workerId),
    );
  }

  /**
   * Up to `count` pending lines due by `now`, claimed (attempts + 1) in one transaction. The ids
   * are read first: an `IN (… LIMIT n FOR UPDATE SKIP LOCKED)` subquery may be evaluated again
   * per row and claim more than `n`.
   */
  claim(count: number, now: Date): Promise<GatewayBatchLineRow[]> {
    const lines = gatewayBatchLines;
    return this.tenant.db.transaction(async (transaction) => {
      const tenant = scoped(transaction as unknown as Database, this.batch.org_id);
      const due = await tenant.db
        .select({ id: lines.id })
        .from(lines)
        .where(
          tenant.where(
            lines,
            eq(lines.batch_id, this.batch.id),
            eq(lines.status, "pending"),
            or(isNull(lines.not_before), lte(lines.not_before, now)),
          ),
        )
        .orderBy(asc(lines.line_index))
        .limit(count)
        .for("update", { skipLocked: true });
      if (due.length === 0) return [];
      return tenant.db
        .update(lines)
        .set({ status: "claimed", attempts: sql`${lines.attempts} + 1`, claimed_at: now })
        .where(
          tenant.where(
            lines,
            inArray(
              lines.id,
              due.map((row) => row.id),
            ),
          ),
        )
        .returning();
    });
  }

  /** A claimed line's result, request id and cost, in one update (only while it is claimed). */
  async finish(
    lineId: string,
    result: {
      status: Extract<LineStatus, "succeeded" | "errored">;
      requestId: string | null;
      statusCode: number | null;
      response: unknown;
      error: { code: string; message: string } | null;
      costUsd: number;
      at: Date;
    },
  ): Promise<void> {
    await this.tenant.updateWhere(
      gatewayBatchLines,
      {
        status: result.status,
        request_id: result.requestId,
        status_code: result.statusCode,
        response: result.response,
        error: result.error,
        cost_usd: result.costUsd,
        finished_at: result.at,
        kept_answer: null,
      },
      eq(gatewayBatchLines.id, lineId),
      eq(gatewayBatchLines.status, "claimed"),
    );
  }

  /** A claimed line back to pending, not sent again before `notBefore`. */
  async retryLater(lineId: string, notBefore: Date): Promise<void> {
    await this.tenant.updateWhere(
      gatewayBatchLines,
      { status: "pending", not_before: notBefore, claimed_at: null, kept_answer: null },
      eq(gatewayBatchLines.id, lineId),
      eq(gatewayBatchLines.status, "claimed"),
    );
  }

  /** A claimed line never answered, closed as the batch ends (cancelled, expired, capped). */
  async closeClaimed(
    lineId: string,
    status: Extract<LineStatus, "canceled" | "expired">,
    error: { code: string; message: string },
    at: Date,
  ): Promise<void> {
    await this.tenant.updateWhere(
      gatewayBatchLines,
      { status, error, finished_at: at, kept_answer: null },
      eq(gatewayBatchLines.id, lineId),
      eq(gatewayBatchLines.status, "claimed"),
    );
  }

  /** Lines claimed by a worker that never recorded their result (a restart's to resolve). */
  claimedLines(): Promise<GatewayBatchLineRow[]> {
    return this.tenant.rows(
      gatewayBatchLines,
      eq(gatewayBatchLines.batch_id, this.batch.id),
      eq(gatewayBatchLines.status, "claimed"),
    );
  }

  /**
   * The answers the trace ingester kept for lines still claimed (kept-answers.ts), by line id:
   * read after the paid lookup, as the ingester keeps an answer before its row is visible.
   */
  async keptAnswers(): Promise<Map<string, KeptAnswer>> {
    const rows = await this.tenant.db
      .select({ id: gatewayBatchLines.id, kept: gatewayBatchLines.kept_answer })
      .from(gatewayBatchLines)
      .where(
        this.tenant.where(
          gatewayBatchLines,
          eq(gatewayBatchLines.batch_id, this.batch.id),
          eq(gatewayBatchLines.status, "claimed"),
          isNotNull(gatewayBatchLines.kept_answer),
        ),
      );
    const kept = new Map<string, KeptAnswer>();
    for (const row of rows) if (row.kept) kept.set(row.id, row.kept);
    return kept;
  }

  /** Every line not sent yet ends as `status`, with why. */
  async closePending(
    status: Extract<LineStatus, "canceled" | "expired">,
    error: { code: string; message: string },
    at: Date,
  ): Promise<void> {
    await this.tenant.updateWhere(
      gatewayBatchLines,
      { status, error, finished_at: at },
      eq(gatewayBatchLines.batch_id, this.batch.id),
      eq(gatewayBatchLines.status, "pending"),
    );
  }

  async end(reason: NonNullable<GatewayBatchRow["end_reason"]>, at: Date): Promise<void> {
    await this.tenant.update(gatewayBatches, this.batch.id, {
      status: "ended",
      end_reason: reason,
      ended_at: at,
      lease_owner: null,
      lease_until: null,
      updated_at: at,
    });
  }

  progress(): Promise<BatchProgress> {
    return batchProgress(this.tenant, this.batch.id);
  }

  /** When the next pending line is due, or null when none is pending. */
  async nextDue(): Promise<Date | null> {
    const [row] = await this.tenant.db
      .select({ due: sql<Date | null>`min(coalesce(${gatewayBatchLines.not_before}, 'epoch'))` })
      .from(gatewayBatchLines)
      .where(
        this.tenant.where(
          gatewayBatchLines,
          eq(gatewayBatchLines.batch_id, this.batch.id),
          eq(gatewayBatchLines.status, "pending"),
        ),
      );
    return row?.due ? new Date(row.due) : null;
  }
}

export type BatchProgress = Record<LineStatus, number> & { total: number; spentUsd: number };

export async function batchProgress(tenant: Tenant, batchId: string): Promise<BatchProgress> {
  const rows = await tenant.db
    .select({
      status: gatewayBatchLines.status,
      count: sql<number>`count(*)::int`,
      spent: sql<string>`coalesce(sum(${gatewayBatchLines.cost_usd}), 0)`,
    })
    .from(gatewayBatchLines)
    .where(tenant.where(gatewayBatchLines, eq(gatewayBatchLines.batch_id, batchId)))
    .groupBy(gatewayBatchLines.status);
  const progress: BatchProgress = {
    pending: 0,
    claimed: 0,
    succeeded: 0,
    errored: 0,
    canceled: 0,
    expired: 0,
    total: 0,
    spentUsd: 0,
  };
  for (const row of rows) {
    progress[row.status] = row.count;
    progress.total += row.count;
    progress.spentUsd += Number(row.spent);
  }
  return progress;
}
