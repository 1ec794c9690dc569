// Applies one data plane's spend message in one transaction (DESIGN §7, §8): advance the node's
// cursor (only if `seq` is new, so a redelivered message counts once, and only if the message
// before it was applied, so a lost one is never passed), add each amount to its budget period,
// then raise the alerts the new totals reach. A failed transaction changed nothing, so the
// caller may simply try again.
import { and, eq, gte, inArray, lt, or, sql } from "drizzle-orm";
import type { SpendDelta } from "#shared/bus/envelopes.ts";
import type { Database } from "../db/client.ts";
import { type BudgetRow, budgetSpend, budgets, spendNodeCursors } from "../db/schema/index.ts";
import { alertKey, reachedAlerts, recordAlert } from "./budget-alerts.ts";
import { countedWindow, currentWindow } from "./current-period.ts";

export type ApplyOutcome =
  | {
      status: "applied";
      /** Budget periods whose spend changed. */
      updated: number;
      /** Amounts for budgets that no longer exist (or never did), dropped. */
      dropped: number;
      /** Alerts of the current periods that exist now (written here or before). */
      alerts: string[];
    }
  /** Applied before (`seq` at or below the node's cursor): nothing to do. */
  | { status: "duplicate" }
  /**
   * The message before it (`prev_seq`) was not applied: refused, nothing changed. Its node sends
   * both again, in order.
   */
  | { status: "gap"; lastSeq: number | null };

interface Amount {
  budgetId: string;
  periodStart: Date;
  usd: number;
}

export async function applySpendDelta(
  db: Database,
  delta: SpendDelta,
  options: { nowMs: number; knownAlerts?: ReadonlySet<string> },
): Promise<ApplyOutcome> {
  const now = new Date(options.nowMs);
  return db.transaction(async (transaction) => {
    // First, so that a concurrent control plane applying the same message waits on this row
    // and then finds the seq taken.
    const cursor = await advanceCursor(transaction, delta, now);
    if (cursor.status !== "advanced") return cursor;

    const amounts = sumAmounts(delta);
    if (amounts.length === 0)
      return { status: "applied" as const, updated: 0, dropped: 0, alerts: [] };
    const rows = await transaction
      .select()
      .from(budgets)
      .where(inArray(budgets.id, [...new Set(amounts.map((amount) => amount.budgetId))]));
    const byId = new Map(rows.map((row) => [row.id, row]));
    const known = amounts.filter((amount) => byId.has(amount.budgetId));
    const dropped = amounts.length - known.length;
    if (known.length === 0) return { status: "applied" as const, updated: 0, dropped, alerts: [] };

    const totals = await transaction
      .insert(budgetSpend)
      .values(
        known.map((amount) => ({
          budget_id: amount.budgetId,
          period_start: amount.periodStart,
          spend_usd: amount.usd,
          updated_at: now,
        })),
      )
      .onConflictDoUpdate({
        target: [budgetSpend.budget_id, budgetSpend.period_start],
        // A reservation reconciled below its estimate arrives negative; spend stops at zero.
        set: {
          spend_usd: sql`greatest(${budgetSpend.spend_usd} + excluded.spend_usd, 0)`,
          updated_at: now,
        },
      })
      .returning({
        budget_id: budgetSpend.budget_id,
        period_start: budgetSpend.period_start,
        spend_usd: budgetSpend.spend_usd,
      });
    // A period's first amount may be negative too (a correction of spend never counted here).
    const negative = totals.filter((total) => total.spend_usd < 0);
    if (negative.length > 0) {
      await transaction
        .update(budgetSpend)
        .set({ spend_usd: 0 })
        .where(
          or(
            ...negative.map((total) =>
              and(
                eq(budgetSpend.budget_id, total.budget_id),
                eq(budgetSpend.period_start, total.period_start),
              ),
            ),
          ),
        );
    }

    const alerts: string[] = [];
    for (const total of totals) {
      const budget = byId.get(total.budget_id) as BudgetRow;
      const window = currentWindow(budget, options.nowMs);
      // Late spend for a past period is counted there but says nothing about this period.
      if (!budget.enabled || total.period_start.getTime() !== window.startMs) continue;
      const spendUsd = Math.max(0, total.spend_usd);
      for (const alert of reachedAlerts(budget, spendUsd)) {
        // Once per period, or per part of it after a reset by hand.
        const key = alertKey(budget.id, countedWindow(budget, window).startMs, alert);
        if (!options.knownAlerts?.has(key)) {
          await recordAlert(transaction, budget, window, alert, spendUsd, now);
        }
        alerts.push(key);
      }
    }
    return { status: "applied" as const, updated: totals.length, dropped, alerts };
  });
}

/**
 * Moves the node's cursor to `delta.seq` without counting the message: for a message given up
 * as poison, so that the node's later messages (which name it as `prev_seq`) are not refused
 * forever. Its amounts are lost, and the caller says so.
 */
export async function skipSpendDelta(
  db: Database,
  delta: SpendDelta,
  options: { nowMs: number },
): Promise<CursorOutcome> {
  return db.transaction((transaction) =>
    advanceCursor(transaction, delta, new Date(options.nowMs)),
  );
}

export type CursorOutcome =
  | { status: "advanced" }
  | { status: "duplicate" }
  | { status: "gap"; lastSeq: number | null };

/**
 * The node's cursor to `delta.seq`, if `seq` is above it and the cursor has reached `prev_seq`
 * (a message with no `prev_seq` follows only applied ones). The row stays locked until the
 * transaction ends, so two control planes applying the same message count it once.
 */
async function advanceCursor(
  transaction: Database,
  delta: SpendDelta,
  now: Date,
): Promise<CursorOutcome> {
  const set = { last_seq: delta.seq, updated_at: now };
  const advanced =
    delta.prev_seq === undefined
      ? await transaction
          .insert(spendNodeCursors)
          .values({ node_id: delta.node_id, ...set })
          .onConflictDoUpdate({
            target: spendNodeCursors.node_id,
            set,
            setWhere: lt(spendNodeCursors.last_seq, delta.seq),
          })
          .returning({ last_seq: spendNodeCursors.last_seq })
      : await transaction
          .update(spendNodeCursors)
          .set(set)
          .where(
            and(
              eq(spendNodeCursors.node_id, delta.node_id),
              lt(spendNodeCursors.last_seq, delta.seq),
              gte(spendNodeCursors.last_seq, delta.prev_seq),
            ),
          )
          .returning({ last_seq: spendNodeCursors.last_seq });
  if (advanced.length > 0) return { status: "advanced" };
  const [row] = await transaction
    .select({ last_seq: spendNodeCursors.last_seq })
    .from(spendNodeCursors)
    .where(eq(spendNodeCursors.node_id, delta.node_id));
  if (row !== undefined && row.last_seq >= delta.seq) return { status: "duplicate" };
  return { status: "gap", lastSeq: row?.last_seq ?? null };
}

/** One amount per budget period (a message may name one twice); zero and unreadable ones go. */
function sumAmounts(delta: SpendDelta): Amount[] {
  const sums = new Map<string, Amount>();
  for (const entry of delta.deltas) {
    const startMs = Date.parse(entry.period_start);
    if (!Number.isFinite(startMs) || !Number.isFinite(entry.usd)) continue;
    const key = `${entry.budget_id}\u0000${startMs}`;
    const sum = sums.get(key);
    if (sum) sum.usd += entry.usd;
    else
      sums.set(key, { budgetId: entry.budget_id, periodStart: new Date(startMs), usd: entry.usd });
  }
  // In a fixed order, so control planes applying different messages lock rows alike (no deadlock).
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, amount]) => amount)
    .filter((amount) => amount.usd !== 0);
}
