// The budgets of a snapshot, compiled once per snapshot and indexed by org, and which of them
// apply to one request (DESIGN §7): org, project, route (config slug, config traffic only),
// customer (end user) and feature (a `k=v` tag). However a model is named, the org, project,
// customer and feature budgets apply: no way of addressing a model bypasses a cap.
import type { SnapshotBudget } from "#shared/snapshot/body.ts";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";

export interface RuntimeBudget {
  id: string;
  orgId: string;
  projectId: string | null;
  name: string;
  scopeType: "org" | "project" | "route" | "customer" | "feature";
  scopeValue: string | null;
  period: string;
  customSeconds: number | null;
  anchorMs: number | null;
  capUsd: number;
  softThresholds: readonly number[];
  action: "block" | "downgrade" | "warn_only";
  /** A target (model name, provider/model, @slug or {model, provider}) for `downgrade`. */
  downgradeTo: unknown;
  failMode: "open" | "closed";
  staleAfterMs: number;
}

export interface BudgetRequestScope {
  orgId: string;
  projectId: string;
  /** The config slug when the request named `@slug`, else null. */
  routeSlug: string | null;
  user: string | null;
  tags: Readonly<Record<string, string>>;
}

const indexes = new WeakMap<RuntimeConfig, ReadonlyMap<string, readonly RuntimeBudget[]>>();

function budgetsByOrg(config: RuntimeConfig): ReadonlyMap<string, readonly RuntimeBudget[]> {
  let index = indexes.get(config);
  if (index === undefined) {
    const byOrg = new Map<string, RuntimeBudget[]>();
    for (const stored of config.budgets) {
      const budget = runtimeBudget(stored);
      if (budget === null) continue;
      const list = byOrg.get(budget.orgId) ?? [];
      list.push(budget);
      byOrg.set(budget.orgId, list);
    }
    index = byOrg;
    indexes.set(config, index);
  }
  return index;
}

const NONE: readonly RuntimeBudget[] = Object.freeze([]);

/** Every budget of the snapshot this node can enforce (the spend and cap gauges of /metrics). */
export function allBudgets(config: RuntimeConfig): readonly RuntimeBudget[] {
  return [...budgetsByOrg(config).values()].flat();
}

export function applicableBudgets(
  config: RuntimeConfig,
  scope: BudgetRequestScope,
): readonly RuntimeBudget[] {
  const all = budgetsByOrg(config).get(scope.orgId);
  if (all === undefined) return NONE;
  // The org's own list when every budget applies (the common case): no array per request.
  let index = 0;
  while (index < all.length && applies(all[index] as RuntimeBudget, scope)) index++;
  if (index === all.length) return all;
  const some = all.slice(0, index);
  for (index += 1; index < all.length; index++)
    if (applies(all[index] as RuntimeBudget, scope)) some.push(all[index] as RuntimeBudget);
  return some;
}

function applies(budget: RuntimeBudget, scope: BudgetRequestScope): boolean {
  // `project_id` narrows route, customer and feature budgets to one project.
  if (
    budget.scopeType !== "org" &&
    budget.scopeType !== "project" &&
    budget.projectId !== null &&
    budget.projectId !== scope.projectId
  )
    return false;
  switch (budget.scopeType) {
    case "org":
      return true;
    case "project":
      return (budget.projectId ?? budget.scopeValue) === scope.projectId;
    case "route":
      return scope.routeSlug !== null && budget.scopeValue?.replace(/^@/, "") === scope.routeSlug;
    case "customer":
      return scope.user !== null && budget.scopeValue === scope.user;
    case "feature": {
      const value = budget.scopeValue ?? "";
      const equals = value.indexOf("=");
      if (equals <= 0) return false;
      return scope.tags[value.slice(0, equals)] === value.slice(equals + 1);
    }
  }
}

const SCOPES = new Set(["org", "project", "route", "customer", "feature"]);
const ACTIONS = new Set(["block", "downgrade", "warn_only"]);

/** Read leniently: a budget of a shape this node does not know is left out, not fatal. */
function runtimeBudget(stored: SnapshotBudget): RuntimeBudget | null {
  if (!SCOPES.has(stored.scope_type) || !ACTIONS.has(stored.action)) return null;
  if (!(stored.cap_usd >= 0)) return null;
  return {
    id: stored.id,
    orgId: stored.org_id,
    projectId: stored.project_id,
    name: stored.name,
    scopeType: stored.scope_type as RuntimeBudget["scopeType"],
    scopeValue: stored.scope_value,
    period: stored.period,
    customSeconds: stored.custom_period_seconds,
    anchorMs: stored.period_anchor ? Date.parse(stored.period_anchor) : null,
    capUsd: stored.cap_usd,
    softThresholds: [...stored.soft_thresholds].sort((a, b) => a - b),
    action: stored.action as RuntimeBudget["action"],
    downgradeTo: stored.downgrade_to,
    failMode: stored.fail_mode === "closed" ? "closed" : "open",
    staleAfterMs: stored.stale_after_ms > 0 ? stored.stale_after_ms : 30_000,
  };
}
