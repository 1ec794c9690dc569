// Step 4 of the pipeline (DESIGN §7): every budget that applies is checked against this node's
// view of the fleet's spend. At the cap the budget's action applies: block (402), downgrade (a
// cheaper target) or warn_only; a view older than the budget's stale age applies its fail mode.

import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import { type BudgetErrorInfo, GatewayError } from "#shared/errors/gateway-error.ts";
import { largestOutputTokens, type ModelInfo } from "#shared/pricing/catalog.ts";
import type { RequestFeatures } from "../routing/request-features.ts";
import type { TraceBudget } from "../trace/decision-trace.ts";
import type { RuntimeBudget } from "./budget-index.ts";
import { type BudgetLedger, type SpendKey, spendKey } from "./budget-ledger.ts";

export interface BudgetStanding {
  budget: RuntimeBudget;
  key: SpendKey;
  resetsAtMs: number;
  spendUsd: number;
  usedPct: number;
  /** This node has not heard the fleet's totals for longer than the budget allows. */
  stale: boolean;
}

export type BudgetVerdict =
  | { kind: "allow" }
  | { kind: "block"; standing: BudgetStanding; why: "cap" | "stale" }
  | { kind: "downgrade"; standing: BudgetStanding }
  | { kind: "warn_only"; standing: BudgetStanding };

export interface BudgetCheck {
  standings: BudgetStanding[];
  verdict: BudgetVerdict;
  /** Highest used fraction among the budgets that apply (custom_rules' `budget.used_pct`). */
  maxUsedPct: number;
  /** The budget closest to its cap: the one response headers name. */
  tightest: BudgetStanding | null;
}

const ALLOW: BudgetVerdict = { kind: "allow" };
export const NO_BUDGETS: BudgetCheck = Object.freeze({
  standings: [],
  verdict: ALLOW,
  maxUsedPct: 0,
  tightest: null,
}) as BudgetCheck;

export function checkBudgets(
  ledger: BudgetLedger,
  budgets: readonly RuntimeBudget[],
  nowMs: number,
): BudgetCheck {
  if (budgets.length === 0) return NO_BUDGETS;
  const stateAge = ledger.stateAgeMs();
  const standings: BudgetStanding[] = [];
  let verdict: BudgetVerdict = ALLOW;
  let tightest: BudgetStanding | null = null;
  for (const budget of budgets) {
    const period = currentPeriod(budget, nowMs);
    const key = period.key;
    const spendUsd = ledger.view(key);
    const standing: BudgetStanding = {
      budget,
      key,
      resetsAtMs: period.resetsAtMs,
      spendUsd,
      usedPct: budget.capUsd > 0 ? spendUsd / budget.capUsd : spendUsd > 0 ? 1 : 0,
      stale: stateAge > budget.staleAfterMs,
    };
    standings.push(standing);
    if (tightest === null || standing.usedPct > tightest.usedPct) tightest = standing;
    verdict = stronger(verdict, verdictOf(standing));
  }
  return { standings, verdict, maxUsedPct: tightest?.usedPct ?? 0, tightest };
}

// What a budget's current period formats (its spend key, its reset time), kept per budget until
// the period rolls over: the same strings for every request of a period, and building them (ISO
// dates, a concatenation) on each one showed in profiles.
interface PeriodStrings {
  startMs: number;
  key: SpendKey;
  resetsAtMs: number;
  resetIso: string;
}
const currentPeriods = new WeakMap<RuntimeBudget, PeriodStrings>();

/**
 * The budget's period at `nowMs`: the one formatted last while `nowMs` is inside it (periods
 * never overlap, so a time inside one is in no other), else computed (periodWindow) and kept.
 */
function currentPeriod(budget: RuntimeBudget, nowMs: number): PeriodStrings {
  const cached = currentPeriods.get(budget);
  if (cached !== undefined && cached.startMs <= nowMs && nowMs < cached.resetsAtMs) return cached;
  const window = periodWindow(budget.period, nowMs, {
    seconds: budget.customSeconds,
    anchorMs: budget.anchorMs,
  });
  return periodStrings(budget, window.startMs, window.endMs);
}

function periodStrings(budget: RuntimeBudget, startMs: number, resetsAtMs: number): PeriodStrings {
  const cached = currentPeriods.get(budget);
  if (cached !== undefined && cached.startMs === startMs && cached.resetsAtMs === resetsAtMs) {
    return cached;
  }
  const strings = {
    startMs,
    key: spendKey(budget.id, periodKey(startMs)),
    resetsAtMs,
    resetIso: new Date(resetsAtMs).toISOString(),
  };
  currentPeriods.set(budget, strings);
  return strings;
}

/** The standing's reset time in ISO 8601, formatted once per period by `periodStrings`. */
function resetIsoOf(standing: BudgetStanding): string {
  const cached = currentPeriods.get(standing.budget);
  return cached?.resetsAtMs === standing.resetsAtMs
    ? cached.resetIso
    : new Date(standing.resetsAtMs).toISOString();
}

function verdictOf(standing: BudgetStanding): BudgetVerdict {
  if (standing.stale && standing.budget.failMode === "closed")
    return { kind: "block", standing, why: "stale" };
  if (standing.spendUsd < standing.budget.capUsd) return ALLOW;
  switch (standing.budget.action) {
    case "block":
      return { kind: "block", standing, why: "cap" };
    case "downgrade":
      return { kind: "downgrade", standing };
    case "warn_only":
      return { kind: "warn_only", standing };
  }
}

const RANK = { allow: 0, warn_only: 1, downgrade: 2, block: 3 } as const;

/** Block beats downgrade beats warn; between equals the first budget (snapshot order) stays. */
function stronger(current: BudgetVerdict, next: BudgetVerdict): BudgetVerdict {
  return RANK[next.kind] > RANK[current.kind] ? next : current;
}

/** Admission estimate: input tokens at the input price plus the output bound at the output price. */
export function estimateRequestUsd(info: ModelInfo, features: RequestFeatures): number {
  return (
    features.inputTokens * info.price.input +
    outputBound(info, features.maxTokens) * info.price.output
  );
}

/**
 * Output tokens a request may be charged for: its `max_tokens`, else the model's output limit,
 * else 4,096; never more than the model can write. A model's limit is the catalog's; for a model
 * without one (unknown to the catalog), the largest of its vendor's models, erring high as the
 * unknown-model rule's price does. So `max_tokens: 200000000` reserves what the model can
 * really cost, not enough to block every other request of the org.
 */
export function outputBound(info: ModelInfo, maxTokens: number | null): number {
  const wanted = maxTokens ?? info.maxOutputTokens ?? DEFAULT_OUTPUT_BOUND;
  const limit = info.maxOutputTokens ?? largestOutputTokens(info.vendor);
  return limit === null ? wanted : Math.min(wanted, limit);
}

/** Output tokens assumed when neither the request nor the catalog bounds them. */
export const DEFAULT_OUTPUT_BOUND = 4_096;

/** The 402 of DESIGN §7, with its headers. */
export function budgetExceededError(standing: BudgetStanding, why: "cap" | "stale", nowMs: number) {
  const { budget } = standing;
  // Every number finite: JSON writes NaN and Infinity as null, which no client expects here.
  const info: BudgetErrorInfo = {
    name: budget.name,
    spend_usd: finiteUsd(standing.spendUsd),
    cap_usd: finiteUsd(budget.capUsd),
    period: budget.period,
    period_resets_at: new Date(standing.resetsAtMs).toISOString(),
  };
  const message =
    why === "cap"
      ? `budget "${budget.name}" exceeded ($${info.spend_usd.toFixed(2)} / $${info.cap_usd.toFixed(2)})`
      : `budget "${budget.name}" cannot be checked: this node has not heard the fleet's spend for ${Math.round(budget.staleAfterMs / 1000)} s, and the budget fails closed`;
  const retryAfterSeconds =
    why === "cap" ? Math.max(1, Math.ceil((standing.resetsAtMs - nowMs) / 1000)) : 1;
  return new GatewayError("budget_exceeded", message, {
    budget: info,
    retryAfterSeconds,
    headers: {
      "x-modelux-budget-name": budget.name,
      "x-modelux-budget-action": "block",
      "x-modelux-budget-reset": info.period_resets_at,
      "x-modelux-budget-remaining": "0",
    },
  });
}

/** `X-Modelux-Budget-*` for a request served under budgets. */
export function budgetHeaders(check: BudgetCheck): Record<string, string> {
  const standing = check.tightest;
  if (standing === null) return {};
  const headers: Record<string, string> = {
    "x-modelux-budget-name": standing.budget.name,
    "x-modelux-budget-remaining": Math.max(
      0,
      finiteUsd(standing.budget.capUsd) - finiteUsd(standing.spendUsd),
    ).toFixed(6),
    "x-modelux-budget-reset": resetIsoOf(standing),
  };
  if (check.verdict.kind === "downgrade" || check.verdict.kind === "warn_only") {
    headers["x-modelux-budget-name"] = check.verdict.standing.budget.name;
    headers["x-modelux-budget-action"] = check.verdict.kind;
  }
  return headers;
}

export function traceBudgets(check: BudgetCheck): TraceBudget[] {
  const traced: TraceBudget[] = [];
  for (const standing of check.standings) {
    const acted =
      check.verdict.kind !== "allow" && check.verdict.standing === standing
        ? check.verdict.kind
        : null;
    traced.push({
      name: standing.budget.name,
      used_pct: Math.round(standing.usedPct * 10_000) / 10_000,
      action: acted ?? (standing.stale ? "stale" : "none"),
    });
  }
  return traced;
}

/** The standings' spend keys (what a reservation holds). */
export function spendKeysOf(check: BudgetCheck): SpendKey[] {
  const keys: SpendKey[] = [];
  for (const standing of check.standings) keys.push(standing.key);
  return keys;
}

/**
 * To the micro-dollar; a non-finite amount (which bounded reservations should never produce) as
 * the largest finite one, so a 402 body still says "at or over the cap" with a number.
 */
function finiteUsd(usd: number): number {
  if (Number.isNaN(usd)) return 0;
  if (!Number.isFinite(usd)) return usd > 0 ? Number.MAX_VALUE : 0;
  // Past 1e9 the scaling below could overflow, and micro-dollars mean nothing there anyway.
  return Math.abs(usd) >= 1e9 ? usd : Math.round(usd * 1e6) / 1e6;
}
