// Step 5 of the pipeline: the model field becomes an ordered plan of steps, each with the reason
// it is there (DESIGN §4, §6). `@slug` runs the config's strategy tree; `provider/model` and
// bare names are one attempt. The plan also carries the trace's candidate list.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import type { RuntimeApiKey, RuntimeConfig } from "../snapshot/runtime-config.ts";
import {
  type Attempt,
  attemptOf,
  DEFAULT_RETRY_ON,
  type RoutePlan,
  type RoutingInput,
  type TraceCandidate,
} from "./plan-types.ts";
import { Planner } from "./planner.ts";

export type {
  Attempt,
  CandidateStatus,
  CascadePlanStep,
  CascadeStep,
  EnsembleStep,
  PlanStep,
  RetryCondition,
  RoutePlan,
  RoutingInput,
  TraceCandidate,
} from "./plan-types.ts";

export function planRoute(
  config: RuntimeConfig,
  key: RuntimeApiKey,
  model: string,
  input: RoutingInput,
): RoutePlan {
  const table = config.routes;
  if (model.startsWith("@")) {
    const slug = model.slice(1);
    const compiled = table.configFor(key.projectId, slug);
    if (!compiled)
      throw new GatewayError(
        "not_found",
        `routing config ${quoteClientValue(model)} not found in this project`,
        {
          param: "model",
        },
      );
    if (compiled.error) throw compiled.error;
    const planner = new Planner(table, key.projectId, input, compiled);
    const steps = planner.expandConfig(compiled, 1, []);
    return planner.finish(steps);
  }
  const leaf = table.leafFor(key.orgId, key.projectId, model);
  const candidates: TraceCandidate[] = [
    {
      target: model,
      provider: leaf.provider.name,
      model: leaf.model,
      status: "planned",
      reason:
        model.indexOf("/") > 0 && leaf.model !== model
          ? "named directly"
          : "provider inferred from the model name",
    },
  ];
  return {
    // `provider/model` names its provider; a bare name had it inferred from its prefix.
    resolved: model.indexOf("/") > 0 && leaf.model !== model ? "direct" : "auto",
    config: null,
    strategy: null,
    steps: [attemptOf(leaf, null, 0)],
    retryOn: DEFAULT_RETRY_ON,
    totalBudgetMs: null,
    candidates,
    abVariant: null,
    reason: candidates[0]?.reason ?? "",
    cacheEnabled: false,
  };
}

/** leafAttempts(plan)[0] without the arrays: the plan's first attempt, composites included. */
export function firstAttempt(plan: RoutePlan): Attempt | undefined {
  for (const step of plan.steps) {
    if (step.kind === "attempt") return step;
    if (step.kind === "cascade") {
      for (const item of step.steps) if (item.attempts.length > 0) return item.attempts[0];
    } else {
      for (const member of step.members) if (member.attempts.length > 0) return member.attempts[0];
    }
  }
  return undefined;
}

/** Every attempt of a plan in order, composites flattened (for endpoints that cannot compose). */
export function leafAttempts(plan: RoutePlan): Attempt[] {
  return plan.steps.flatMap((step) => {
    if (step.kind === "attempt") return [step];
    if (step.kind === "cascade") return step.steps.flatMap((item) => item.attempts);
    return step.members.flatMap((member) => member.attempts);
  });
}
