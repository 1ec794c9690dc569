// fallback: the attempts in the order written, each with its own timeout inside the total
// budget; `retry_on` says which failures move on. Unhealthy attempts are skipped unless that
// would leave none.
import type { Target } from "#shared/routing/config-schema.ts";
import { type CompiledTarget, configTarget } from "../compiled-target.ts";
import { DEFAULT_RETRY_ON, type RetryCondition } from "../plan-types.ts";
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
    const steps = compiled.attempts.flatMap((attempt, index) =>
      plan.expand(
        attempt.target,
        scope,
        attempt.timeoutMs,
        index === 0 ? "primary" : `fallback ${index}`,
      ),
    );
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
