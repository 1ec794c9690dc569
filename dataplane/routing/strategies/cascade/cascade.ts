// cascade: steps in the order written (cheapest first), each answer checked (acceptance.ts);
// the first accepted answer is returned, else the last step's. Plans as one composed step;
// run-cascade.ts runs it.
import type { CompiledTarget } from "../../compiled-target.ts";
import type { AcceptSpec, CascadeStep } from "../../plan-types.ts";
import type { ComposedStrategy } from "../strategy.ts";
import { runCascade } from "./run-cascade.ts";

export interface CompiledCascade {
  strategy: "cascade";
  steps: Array<{ target: CompiledTarget; accept: AcceptSpec; judge: CompiledTarget | null }>;
}

export const cascade: ComposedStrategy<"cascade", CompiledCascade, CascadeStep> = {
  name: "cascade",
  compile: (config, target) => ({
    strategy: "cascade",
    steps: config.steps.map((step) => ({
      target: target(step.model),
      accept: step.accept,
      judge: step.accept?.judge_score === undefined ? null : target(step.accept.judge_score.judge),
    })),
  }),
  expand(compiled, plan, scope) {
    const steps = compiled.steps
      .map((step, index) => ({
        attempts: plan.attemptsOf(
          step.target,
          scope,
          index === 0
            ? "cascade step 1 (tried first)"
            : `cascade step ${index + 1} (if step ${index} is not accepted)`,
        ),
        accept: step.accept,
        judge:
          step.judge === null
            ? null
            : plan.attemptsOf(step.judge, scope, `judge of cascade step ${index + 1}`),
        label: step.target.label,
      }))
      .filter((step) => step.attempts.length > 0);
    if (steps.length === 0) return [];
    if (scope.top)
      plan.explain(
        `cascade of ${steps.length} step(s), escalating while the answer is not accepted`,
      );
    return [{ kind: "cascade", label: scope.via[scope.via.length - 1] ?? "cascade", steps }];
  },
  run: runCascade,
};
