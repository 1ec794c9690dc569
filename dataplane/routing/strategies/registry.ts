// The routing strategies, one module each: the one list a new strategy is added to (after its
// schema in shared/routing/config-schema.ts). The route table compiles through it, the planner
// expands through it, and the pipeline runs composed steps (cascade, ensemble) through it.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { RoutingConfig } from "#shared/routing/config-schema.ts";
import type { CompileTarget } from "../compiled-target.ts";
import type { CascadeStep, EnsembleStep, PlanStep } from "../plan-types.ts";
import { abTest } from "./ab-test.ts";
import { cascade } from "./cascade/cascade.ts";
import { costOptimized } from "./cost-optimized.ts";
import { customRules } from "./custom-rules/custom-rules.ts";
import { ensemble } from "./ensemble/ensemble.ts";
import { fallback } from "./fallback.ts";
import { latencyOptimized } from "./latency-optimized.ts";
import { single } from "./single.ts";
import type {
  ComposedAnswer,
  ComposedExecution,
  ExpandScope,
  PlanBuilder,
  RoutingStrategy,
  StrategyName,
} from "./strategy.ts";

export const STRATEGY_MODULES = {
  single,
  fallback,
  cost_optimized: costOptimized,
  latency_optimized: latencyOptimized,
  ensemble,
  ab_test: abTest,
  cascade,
  custom_rules: customRules,
} as const satisfies { [Name in StrategyName]: RoutingStrategy<Name, { strategy: Name }> };

/** A config's strategy as compiled, told apart by `strategy`. */
export type CompiledStrategy = ReturnType<(typeof STRATEGY_MODULES)[StrategyName]["compile"]>;

/** Any strategy, seen through the union its configs and compiled forms make. */
type AnyStrategy = RoutingStrategy<StrategyName, CompiledStrategy>;

/** @throws what the strategy's compile throws (RuleCompileError for custom_rules). */
export function compileStrategy(config: RoutingConfig, target: CompileTarget): CompiledStrategy {
  return (STRATEGY_MODULES[config.strategy] as AnyStrategy).compile(config, target);
}

export function expandStrategy(
  compiled: CompiledStrategy,
  plan: PlanBuilder,
  scope: ExpandScope,
): PlanStep[] {
  return (STRATEGY_MODULES[compiled.strategy] as AnyStrategy).expand(compiled, plan, scope);
}

/** Runs a composed plan step with the strategy that planned it. */
export function runComposedStep(
  step: CascadeStep | EnsembleStep,
  request: CanonicalRequest,
  execution: ComposedExecution,
): Promise<ComposedAnswer> {
  const { run } = STRATEGY_MODULES[step.kind] as {
    run: (
      step: CascadeStep | EnsembleStep,
      request: CanonicalRequest,
      execution: ComposedExecution,
    ) => Promise<ComposedAnswer>;
  };
  return run(step, request, execution);
}
