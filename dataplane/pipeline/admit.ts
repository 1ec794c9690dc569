// Steps 2 (limits), 4 and 5 of the pipeline for every surface: the budgets that apply are checked
// (402, downgrade or warn), the route is planned (custom_rules see `budget.used_pct`), the key's
// per-minute limits are checked and counted (429), and the request's estimated cost is reserved
// on each budget until its real cost is known.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { applicableBudgets } from "../budgets/budget-index.ts";
import type { Reservation } from "../budgets/budget-ledger.ts";
import {
  type BudgetCheck,
  budgetExceededError,
  budgetHeaders,
  checkBudgets,
  estimateRequestUsd,
  spendKeysOf,
  traceBudgets,
} from "../budgets/enforce.ts";
import type { DataPlaneContext } from "../context.ts";
import { admitKeyLimits } from "../limits/admit-limits.ts";
import type { LimitTicket } from "../limits/key-limiter.ts";
import { firstAttempt, leafAttempts, planRoute, type RoutePlan } from "../routing/plan.ts";
import type { RequestFeatures } from "../routing/request-features.ts";
import type { RuntimeApiKey, RuntimeConfig } from "../snapshot/runtime-config.ts";
import { applyPlan } from "../trace/build-trace.ts";
import type { DecisionTrace } from "../trace/decision-trace.ts";
import { bindProviderKeys } from "./bind-provider-keys.ts";
import { type FileOwner, pinToFileOwners, refuseOwnKeyForOwnedFiles } from "./file-owners.ts";
import {
  enforceProviderKeyPolicy,
  PROVIDER_KEY_HASH_PURPOSE,
  type ProviderKeys,
  providerKeyPolicy,
} from "./provider-keys.ts";
import type { ModeluxFields } from "./request-context.ts";

/** From this share of a cap on, spend is sent the moment it is known, not at the next interval. */
export const URGENT_USED_PCT = 0.5;

export interface Admission {
  plan: RoutePlan;
  check: BudgetCheck;
  /** Null for dry runs and requests under no budget. */
  reservation: Reservation | null;
  /** `X-Modelux-Budget-*` and the key's rate-limit headers for the response. */
  headers: Record<string, string>;
  /** The key's counted request, settled with its real tokens when it ends; null without limits. */
  limits: LimitTicket | null;
}

export function admit(input: {
  context: DataPlaneContext;
  config: RuntimeConfig;
  key: RuntimeApiKey;
  requestId: string;
  model: string;
  fields: ModeluxFields;
  features: RequestFeatures;
  nowMs: number;
  trace: DecisionTrace;
  /** The files the request cites that the org holds: the plan keeps their provider's attempts. */
  fileOwners?: FileOwner[] | null;
}): Admission {
  const { context, config, key, fields, trace, nowMs } = input;
  const providerKeys = fields.providerKeys;
  enforceProviderKeyPolicy(
    providerKeyPolicy(config.projects.get(key.projectId)?.settings),
    providerKeys,
  );
  if (providerKeys !== null) refuseOwnKeyForOwnedFiles(input.fileOwners);
  // A request on the caller's own keys spends nothing of the org's (no stored credential serves
  // it, bind-provider-keys.ts): no budget counts or stops it (docs/provider-keys.md).
  const budgets =
    providerKeys !== null
      ? []
      : applicableBudgets(config, {
          orgId: key.orgId,
          projectId: key.projectId,
          routeSlug: input.model.startsWith("@") ? input.model.slice(1) : null,
          user: fields.user,
          tags: fields.tags,
        });
  const check = checkBudgets(context.budgets, budgets, nowMs);
  trace.budgets = traceBudgets(check);
  if (check.verdict.kind === "block")
    throw budgetExceededError(check.verdict.standing, check.verdict.why, nowMs);
  let model = input.model;
  if (check.verdict.kind === "downgrade") {
    model = downgradeTarget(
      check.verdict.standing.budget.downgradeTo,
      check.verdict.standing.budget.name,
    );
  }
  const routingStarted = performance.now();
  let plan = planRoute(config, key, model, {
    requestId: input.requestId,
    features: input.features,
    tags: fields.tags,
    user: fields.user,
    conversationId: fields.conversationId,
    budgetUsedPct: check.maxUsedPct,
    nowMs,
    health: context.health,
    random: context.random,
  });
  if (providerKeys !== null) plan = useProviderKeys(input, plan, providerKeys);
  if (input.fileOwners) plan = pinToFileOwners(plan, input.fileOwners);
  applyPlan(trace, plan, (performance.now() - routingStarted) * 1000);
  if (check.verdict.kind === "downgrade") {
    trace.decision.reason = `budget "${check.verdict.standing.budget.name}" at its cap: downgraded to ${model}; ${plan.reason}`;
  }
  // The key's limits, last: a request refused for anything else is not counted (docs/limits.md).
  const limited = fields.dryRun
    ? null
    : admitKeyLimits(context.limits, key, input.features.inputTokens, trace.surface);
  let reservation: Reservation | null = null;
  const first = firstAttempt(plan);
  if (!fields.dryRun && check.standings.length > 0 && first) {
    const estimate = estimateRequestUsd(first.info, input.features);
    reservation = context.budgets.reserve(spendKeysOf(check), estimate);
  }
  const headers = budgetHeaders(check);
  if (limited !== null) Object.assign(headers, limited.headers);
  return { plan, check, reservation, headers, limits: limited?.ticket ?? null };
}

/** The plan on the caller's keys; the trace names the key (fingerprint and hash only). */
function useProviderKeys(
  input: Parameters<typeof admit>[0],
  plan: RoutePlan,
  providerKeys: ProviderKeys,
): RoutePlan {
  const { config, key, model } = input;
  const secretBox = input.context.loader.options.secretBox;
  const bound = bindProviderKeys({
    plan,
    keys: providerKeys,
    requested: model,
    routeVendors: () =>
      model.startsWith("@")
        ? config.routes.vendorsReachedBy(key.projectId, model.slice(1))
        : new Set(leafAttempts(plan).map((attempt) => attempt.provider.vendor)),
    hash: (secret) => secretBox.keyedHash(PROVIDER_KEY_HASH_PURPOSE, secret),
  });
  if (bound.first) input.trace.provider_key = bound.first;
  return bound.plan;
}

/** `downgrade_to` as a model reference: a string, or `{model, provider}` as `provider/model`. */
function downgradeTarget(target: unknown, budgetName: string): string {
  if (typeof target === "string" && target !== "") return target;
  if (typeof target === "object" && target !== null) {
    const { model, provider } = target as { model?: unknown; provider?: unknown };
    if (typeof model === "string" && model !== "")
      return typeof provider === "string" && provider !== "" ? `${provider}/${model}` : model;
  }
  throw new GatewayError(
    "internal",
    `budget "${budgetName}" says downgrade but names no downgrade_to target`,
  );
}
