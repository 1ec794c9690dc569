// A budget's current period and its spend in it, as the aggregator, the broadcaster and the
// Management API read them. Periods come from shared/budgets/period.ts, the windows the data
// planes compute, so both sides name the same period by the same start.
import { and, eq, or } from "drizzle-orm";
import { type PeriodWindow, periodWindow } from "#shared/budgets/period.ts";
import type { Database } from "../db/client.ts";
import { type BudgetRow, budgetSpend } from "../db/schema/index.ts";

export type BudgetPeriodFields = Pick<
  BudgetRow,
  "period" | "custom_period_seconds" | "period_anchor"
>;

export function currentWindow(budget: BudgetPeriodFields, nowMs: number): PeriodWindow {
  return periodWindow(budget.period, nowMs, {
    seconds: budget.custom_period_seconds,
    anchorMs: budget.period_anchor?.getTime() ?? null,
  });
}

/**
 * The part of `window` (the budget's current period) that counts: from the last reset by hand
 * when it fell inside the period, else the whole period. Alerts fire once per counted window and
 * the forecast extrapolates over it; spend itself stays keyed by the period's start.
 */
export function countedWindow(
  budget: Pick<BudgetRow, "spend_reset_at">,
  window: PeriodWindow,
): PeriodWindow {
  const reset = budget.spend_reset_at?.getTime() ?? null;
  return reset !== null && reset > window.startMs && reset < window.endMs
    ? { startMs: reset, endMs: window.endMs }
    : window;
}

/** Spent fraction of the cap, to four places (0.8532 = 85.32 %), as `budget.used_pct` reads. */
export const usedFraction = (spendUsd: number, capUsd: number) =>
  capUsd > 0 ? Math.round((spendUsd / capUsd) * 10_000) / 10_000 : 0;

/** Spend in each budget's current period (budgets without spend are absent); one query. */
export async function currentSpendByBudget(
  db: Database,
  rows: ReadonlyArray<Pick<BudgetRow, "id"> & BudgetPeriodFields>,
  nowMs: number,
): Promise<Map<string, number>> {
  const spend = new Map<string, number>();
  if (rows.length === 0) return spend;
  const found = await db
    .select({ budget_id: budgetSpend.budget_id, spend_usd: budgetSpend.spend_usd })
    .from(budgetSpend)
    .where(
      or(
        ...rows.map((row) =>
          and(
            eq(budgetSpend.budget_id, row.id),
            eq(budgetSpend.period_start, new Date(currentWindow(row, nowMs).startMs)),
          ),
        ),
      ),
    );
  for (const row of found) spend.set(row.budget_id, row.spend_usd);
  return spend;
}
