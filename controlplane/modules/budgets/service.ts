// Budgets of one org. Scope rules: org takes no value; project names one of the org's projects;
// route (a config slug), customer (an end user) and feature (`k=v`) take a value and may be
// narrowed to a project. A downgrade budget needs its target.
import { and, eq } from "drizzle-orm";
import type * as v from "valibot";
import { newId } from "#shared/ids/ids.ts";
import { invalidField, notFound } from "../../api/errors.ts";
import { iso, isoRequired, listPage } from "../../api/schemas.ts";
import {
  countedWindow,
  currentSpendByBudget,
  currentWindow,
  usedFraction,
} from "../../budgets/current-period.ts";
import { forecastSpend } from "../../budgets/forecast.ts";
import type { Database } from "../../db/client.ts";
import {
  type BudgetEventRow,
  type BudgetRow,
  budgetEvents,
  budgetSpend,
  budgets,
} from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { getProject } from "../projects/service.ts";
import { checkProviderReferences } from "../routing-configs/validate.ts";
import type { BudgetView, createBudgetBody, updateBudgetBody } from "./model.ts";

type CreateBudget = v.InferOutput<typeof createBudgetBody>;
type UpdateBudget = v.InferOutput<typeof updateBudgetBody>;

/** The API's view of a budget, with its spend in the current period (`spendUsd`). */
export const viewBudget = (row: BudgetRow, spendUsd: number, nowMs = Date.now()): BudgetView => ({
  id: row.id,
  name: row.name,
  project_id: row.project_id,
  scope: {
    type: row.scope_type,
    value: row.scope_type === "project" ? row.project_id : row.scope_value,
  },
  period: row.period,
  custom_period_seconds: row.custom_period_seconds,
  period_anchor: iso(row.period_anchor),
  cap_usd: row.cap_usd,
  soft_thresholds: row.soft_thresholds,
  action: row.action,
  downgrade_to: row.downgrade_to ?? null,
  fail_mode: row.fail_mode,
  stale_after_ms: row.stale_after_ms,
  enabled: row.enabled,
  current_period: currentPeriodView(row, spendUsd, nowMs),
  // After a reset by hand, the rate is the spend since the reset over the time since.
  forecast: forecastSpend(
    countedWindow(row, currentWindow(row, nowMs)),
    spendUsd,
    row.cap_usd,
    nowMs,
  ),
  created_at: isoRequired(row.created_at),
  updated_at: isoRequired(row.updated_at),
});

function currentPeriodView(row: BudgetRow, spendUsd: number, nowMs: number) {
  const window = currentWindow(row, nowMs);
  const counted = countedWindow(row, window);
  return {
    start: isoRequired(new Date(window.startMs)),
    resets_at: isoRequired(new Date(window.endMs)),
    reset_at: counted.startMs === window.startMs ? null : isoRequired(new Date(counted.startMs)),
    spend_usd: spendUsd,
    used_pct: usedFraction(spendUsd, row.cap_usd),
  };
}

/** Views of budgets with their current spend, read in one query. */
export async function viewBudgets(
  db: Database,
  rows: BudgetRow[],
  nowMs = Date.now(),
): Promise<BudgetView[]> {
  const spend = await currentSpendByBudget(db, rows, nowMs);
  return rows.map((row) => viewBudget(row, spend.get(row.id) ?? 0, nowMs));
}

export async function viewBudgetWithSpend(
  db: Database,
  row: BudgetRow,
  nowMs = Date.now(),
): Promise<BudgetView> {
  const [view] = await viewBudgets(db, [row], nowMs);
  return view as BudgetView;
}

export const viewBudgetEvent = (row: BudgetEventRow) => ({
  id: row.id,
  budget_id: row.budget_id,
  type: row.type,
  threshold: row.threshold,
  period_start: isoRequired(row.period_start),
  spend_usd: row.spend_usd,
  created_at: isoRequired(row.created_at),
});

/** Checks the scope against the org and gives the columns it is stored in. */
async function resolveScope(tenant: Tenant, input: CreateBudget) {
  const { type, value } = input.scope;
  if (input.project_id) await getProject(tenant, input.project_id);
  if (type === "org") {
    if (value) throw invalidField("body.scope.value", "an org budget takes no value");
    if (input.project_id) throw invalidField("body.project_id", "an org budget takes no project");
    return { project_id: null, scope_value: null };
  }
  if (!value) throw invalidField("body.scope.value", `a ${type} budget needs a value`);
  if (type === "project") {
    await getProject(tenant, value);
    return { project_id: value, scope_value: null };
  }
  if (type === "feature" && !/^[^=,\s]+=[^,]+$/.test(value)) {
    throw invalidField("body.scope.value", "a feature budget's value is a tag k=v");
  }
  if (type === "route" && value.startsWith("@")) {
    throw invalidField("body.scope.value", "give the config slug without @");
  }
  return { project_id: input.project_id ?? null, scope_value: value };
}

function checkPeriod(input: { period: string; custom_period_seconds?: number }) {
  if (input.period === "custom" && !input.custom_period_seconds) {
    throw invalidField("body.custom_period_seconds", "a custom period needs its length in seconds");
  }
  if (input.period !== "custom" && input.custom_period_seconds) {
    throw invalidField("body.custom_period_seconds", "only custom periods take a length");
  }
}

async function checkAction(tenant: Tenant, action: string, downgradeTo: unknown) {
  if (action === "downgrade" && (downgradeTo === undefined || downgradeTo === null)) {
    throw invalidField("body.downgrade_to", "a downgrade budget needs the target to downgrade to");
  }
  if (downgradeTo) await checkProviderReferences(tenant, downgradeTo, "body.downgrade_to");
}

export async function listBudgets(
  tenant: Tenant,
  query: {
    limit?: number;
    cursor?: string;
    project_id?: string;
    scope_type?: BudgetRow["scope_type"];
  },
) {
  const page = await tenant.page(
    budgets,
    query,
    [
      query.project_id ? eq(budgets.project_id, query.project_id) : undefined,
      query.scope_type ? eq(budgets.scope_type, query.scope_type) : undefined,
    ],
    (row) => row,
  );
  return { data: await viewBudgets(tenant.db, page.data), next_cursor: page.next_cursor };
}

export async function getBudget(tenant: Tenant, budgetId: string) {
  const row = await tenant.find(budgets, budgetId);
  if (!row) throw notFound("budget", budgetId);
  return row;
}

/** Each budget's name and downgrade target (what names a provider). */
export async function budgetDowngradeTargets(tenant: Tenant) {
  const rows = await tenant.rows(budgets);
  return rows.map((row) => ({ name: row.name, downgrade_to: row.downgrade_to }));
}

export async function createBudget(tenant: Tenant, input: CreateBudget) {
  checkPeriod(input);
  const scope = await resolveScope(tenant, input);
  await checkAction(tenant, input.action ?? "block", input.downgrade_to);
  return tenant.insert(budgets, {
    id: newId("budget"),
    name: input.name,
    scope_type: input.scope.type,
    ...scope,
    period: input.period,
    custom_period_seconds: input.custom_period_seconds ?? null,
    period_anchor: input.period === "custom" ? new Date(input.period_anchor ?? Date.now()) : null,
    cap_usd: input.cap_usd,
    soft_thresholds: [...(input.soft_thresholds ?? [0.8])].sort((a, b) => a - b),
    action: input.action ?? "block",
    downgrade_to: input.downgrade_to ?? null,
    fail_mode: input.fail_mode ?? "open",
    ...(input.stale_after_ms ? { stale_after_ms: input.stale_after_ms } : {}),
    enabled: input.enabled ?? true,
  });
}

export async function updateBudget(tenant: Tenant, existing: BudgetRow, input: UpdateBudget) {
  const action = input.action ?? existing.action;
  const downgradeTo = input.downgrade_to === undefined ? existing.downgrade_to : input.downgrade_to;
  await checkAction(tenant, action, downgradeTo);
  const row = await tenant.update(budgets, existing.id, {
    ...(input.name ? { name: input.name } : {}),
    ...(input.cap_usd ? { cap_usd: input.cap_usd } : {}),
    ...(input.soft_thresholds
      ? { soft_thresholds: [...input.soft_thresholds].sort((a, b) => a - b) }
      : {}),
    ...(input.action ? { action: input.action } : {}),
    ...(input.downgrade_to !== undefined ? { downgrade_to: input.downgrade_to } : {}),
    ...(input.fail_mode ? { fail_mode: input.fail_mode } : {}),
    ...(input.stale_after_ms ? { stale_after_ms: input.stale_after_ms } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    updated_at: new Date(),
  });
  if (!row) throw notFound("budget", existing.id);
  return row;
}

/**
 * Sets the fleet's spend of the budget's current period to zero now and makes the period count
 * from now (thresholds and the cap fire again; countedWindow), with a `reset` event holding the
 * spend it set back. Inside the caller's transaction: the spend row is locked, so a spend delta
 * applied at the same moment lands after the reset, on zero. Spend the data planes have not sent
 * yet (at most ~250 ms of it, and open reservations) counts after the reset.
 */
export async function resetBudgetPeriod(tenant: Tenant, budget: BudgetRow, now: Date) {
  const db = tenant.db;
  const window = currentWindow(budget, now.getTime());
  const period = and(
    eq(budgetSpend.budget_id, budget.id),
    eq(budgetSpend.period_start, new Date(window.startMs)),
  );
  const [spend] = await db
    .select({ spend_usd: budgetSpend.spend_usd })
    .from(budgetSpend)
    .where(period)
    .for("update");
  const forgottenUsd = Math.max(0, spend?.spend_usd ?? 0);
  if (spend) await db.update(budgetSpend).set({ spend_usd: 0, updated_at: now }).where(period);
  const row = await tenant.update(budgets, budget.id, { spend_reset_at: now, updated_at: now });
  if (!row) throw notFound("budget", budget.id);
  await db.insert(budgetEvents).values({
    id: newId("budgetEvent", now.getTime()),
    budget_id: budget.id,
    period_start: now,
    type: "reset",
    threshold: 0,
    spend_usd: forgottenUsd,
    created_at: now,
  });
  return { row, forgottenUsd, window };
}

export async function deleteBudget(tenant: Tenant, existing: BudgetRow) {
  await tenant.delete(budgets, existing.id);
}

/** A budget's events; `budget` was found through the tenant. */
export async function listBudgetEvents(
  tenant: Tenant,
  budget: BudgetRow,
  query: { limit?: number; cursor?: string },
) {
  return listPage(
    tenant.db,
    budgetEvents,
    query,
    [eq(budgetEvents.budget_id, budget.id)],
    viewBudgetEvent,
  );
}
