// fallback: the attempts in the order written, each with its own timeout inside the total
// budget; `retry_on` says which failures move on. Unhealthy attempts are skipped unless that
// would leave none.
import type { Target } from "#shared/routing/config-schema.ts";
import { type CompiledTarget, configTarget } from "../compiled-target.ts";
import { DEFAULT_RETRY_ON, type PlanStep, type RetryCondition } from "../plan-types.ts";
import type { RoutingStrategy } from "./strategy.ts";

export interface CompiledFallback {
  strategy: "fallback";
  attempts: Array<{ target: CompiledTarget; timeoutMs: number | null }>;
  retryOn: ReadonlySet<RetryCondition>;
  totalBudgetMs: number | null;
}

export const fallback: RoutingStrategy<"fallback", CompiledFallback> = {
  name: "fallback",
  compile: (config, target) => ({
    strategy: "fallback",
    attempts: config.attempts.map((attempt) => ({
      target:
        attempt.config !== undefined
          ? configTarget(attempt.config)
          : target(attempt.model as Target, attempt.provider),
      timeoutMs: attempt.timeout_ms ?? null,
    })),
    retryOn: config.retry_on === undefined ? DEFAULT_RETRY_ON : new Set(config.retry_on),
    totalBudgetMs: config.total_budget_ms ?? null,
  }),
  expand(compiled, plan, scope) {
    plan.useRetry(compiled.retryOn, compiled.totalBudgetMs);
    // A loop and the reasons made once (no callback, arrays or strings per request, issue 20).
    const steps: PlanStep[] = [];
    for (let index = 0; index < compiled.attempts.length; index++) {
      const attempt = compiled.attempts[index] as CompiledFallback["attempts"][number];
      const expanded = plan.expand(attempt.target, scope, attempt.timeoutMs, reasonOf(index));
      for (const step of expanded) steps.push(step);
    }
    const { kept, skipped } = plan.skipUnhealthy(steps);
    if (scope.top) {
      plan.explain(
        skipped === 0
          ? "fallback chain in order"
          : `fallback chain in order; ${skipped} skipped as unhealthy`,
      );
    }
    return kept;
  },
};

const REASONS = ["primary"];

/** "primary", then "fallback 1", "fallback 2"…, each made once. */
function reasonOf(index: number): string {
  let reason = REASONS[index];
  if (reason === undefined) {
    reason = `fallback ${index}`;
    REASONS[index] = reason;
  }
  return reason;
}
