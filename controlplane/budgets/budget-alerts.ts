// Soft thresholds and the cap (DESIGN §7): once a budget's spend in its current period reaches
// cap × threshold, a `budget_events` row is written and `budget.threshold_reached` enqueued; at
// the cap, `exceeded` and `budget.exceeded`. The unique index on (budget, period, type,
// threshold) makes each happen once per period, whichever control plane gets there first; after a
// reset by hand the period counts from the reset (countedWindow), so they can happen again.

import type { PeriodWindow } from "#shared/budgets/period.ts";
import { newId } from "#shared/ids/ids.ts";
import { isoRequired } from "../api/schemas.ts";
import type { Database } from "../db/client.ts";
import { type BudgetRow, budgetEvents } from "../db/schema/index.ts";
import { enqueueEvent } from "../webhooks/enqueue.ts";
import { countedWindow, usedFraction } from "./current-period.ts";
import { type BudgetForecast, forecastSpend } from "./forecast.ts";

/** What the budget events and their webhooks say about the budget. */
export interface BudgetSummary {
  id: string;
  name: string;
  project_id: string | null;
  scope: { type: BudgetRow["scope_type"]; value: string | null };
  period: BudgetRow["period"];
  cap_usd: number;
  action: BudgetRow["action"];
}

/** `data` of `budget.threshold_reached`; `budget.exceeded` is the same without `threshold`. */
export interface BudgetAlertData {
  budget: BudgetSummary;
  /** The soft threshold reached, a fraction of the cap (0.8). */
  threshold?: number;
  spend_usd: number;
  /** Spend over cap as a fraction, four places (1.05 = 105 %). */
  used_pct: number;
  /** `reset_at`: the last reset by hand in this period, from which the period counts. */
  current_period: { start: string; resets_at: string; reset_at?: string };
  /** The period's projection when the alert fired (docs/budgets.md, Forecast). */
  forecast: BudgetForecast;
}

export interface Alert {
  type: "threshold_reached" | "exceeded";
  threshold: number;
}

/** Names an alert of a period, for the aggregator's memory of what has fired. */
export const alertKey = (budgetId: string, periodStartMs: number, alert: Alert) =>
  `${budgetId}\u0000${periodStartMs}\u0000${alert.type}\u0000${alert.threshold}`;

// Spend is stored to 1e-10; this keeps 7 = 10 × 0.7 (7.000000000000001 in floating point) a hit.
const EPSILON_USD = 1e-9;

/** The thresholds (ascending) and the cap that `spendUsd` has reached. */
export function reachedAlerts(budget: BudgetRow, spendUsd: number): Alert[] {
  const reached: Alert[] = [];
  const thresholds = [...new Set(budget.soft_thresholds)].sort((a, b) => a - b);
  for (const threshold of thresholds) {
    if (!(threshold > 0 && threshold < 1)) continue;
    if (spendUsd + EPSILON_USD >= budget.cap_usd * threshold) {
      reached.push({ type: "threshold_reached", threshold });
    }
  }
  if (spendUsd + EPSILON_USD >= budget.cap_usd) reached.push({ type: "exceeded", threshold: 1 });
  return reached;
}

/**
 * Writes the event row unless this period (counted from its last reset) already has it and, when
 * it was written, enqueues the webhook in the same transaction. Returns whether it was new.
 */
export async function recordAlert(
  transaction: Database,
  budget: BudgetRow,
  window: PeriodWindow,
  alert: Alert,
  spendUsd: number,
  now: Date,
): Promise<boolean> {
  const counted = countedWindow(budget, window);
  const inserted = await transaction
    .insert(budgetEvents)
    .values({
      id: newId("budgetEvent", now.getTime()),
      budget_id: budget.id,
      period_start: new Date(counted.startMs),
      type: alert.type,
      threshold: alert.threshold,
      spend_usd: spendUsd,
      created_at: now,
    })
    .onConflictDoNothing()
    .returning({ id: budgetEvents.id });
  if (inserted.length === 0) return false;
  const data: BudgetAlertData = {
    budget: summarize(budget),
    ...(alert.type === "threshold_reached" ? { threshold: alert.threshold } : {}),
    spend_usd: spendUsd,
    used_pct: usedFraction(spendUsd, budget.cap_usd),
    current_period: {
      start: isoRequired(new Date(window.startMs)),
      resets_at: isoRequired(new Date(window.endMs)),
      ...(counted.startMs !== window.startMs
        ? { reset_at: isoRequired(new Date(counted.startMs)) }
        : {}),
    },
    forecast: forecastSpend(counted, spendUsd, budget.cap_usd, now.getTime()),
  };
  await enqueueEvent(
    transaction,
    budget.org_id,
    alert.type === "exceeded" ? "budget.exceeded" : "budget.threshold_reached",
    data as unknown as Record<string, unknown>,
    { now },
  );
  return true;
}

export function summarize(budget: BudgetRow): BudgetSummary {
  return {
    id: budget.id,
    name: budget.name,
    project_id: budget.project_id,
    scope: {
      type: budget.scope_type,
      value: budget.scope_type === "project" ? budget.project_id : budget.scope_value,
    },
    period: budget.period,
    cap_usd: budget.cap_usd,
    action: budget.action,
  };
}
