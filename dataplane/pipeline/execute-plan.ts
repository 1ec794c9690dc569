// Runs a route plan's steps in order: runs of plain attempts through the attempt executor,
// a cascade or an ensemble through its runner. A step that fails on the upstream's side hands
// over to the next; a client error ends the plan.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Attempt, RoutePlan } from "../routing/plan.ts";
import {
  type ExecuteOptions,
  type MakeCall,
  runAttempts,
  type UpstreamAnswer,
} from "./execute-attempts.ts";
import { type ComposedAnswer, runCascade } from "./run-cascade.ts";
import { runEnsemble } from "./run-ensemble.ts";

export type PlanAnswer =
  | ({ kind: "upstream" } & UpstreamAnswer)
  | ({ kind: "composed" } & ComposedAnswer);

/** Failures after which the next step of a plan may still serve. */
const UPSTREAM_SIDE = new Set(["upstream_error", "timeout", "rate_limited", "overloaded"]);

export async function executePlan(
  plan: RoutePlan,
  request: CanonicalRequest,
  makeCall: MakeCall,
  options: ExecuteOptions,
  warnings: ConversionWarning[],
): Promise<PlanAnswer> {
  const planStarted = performance.now();
  let upstreamMs = 0;
  // Made only when needed: an Error captures a stack, too dear to build on every request.
  let lastError: GatewayError | null = null;
  let index = 0;
  while (index < plan.steps.length) {
    const step = plan.steps[index] as RoutePlan["steps"][number];
    if (step.kind === "attempt") {
      const run: Attempt[] = [];
      while (index < plan.steps.length && plan.steps[index]?.kind === "attempt")
        run.push(plan.steps[index++] as Attempt);
      const result = await runAttempts(
        { attempts: run, retryOn: plan.retryOn, totalBudgetMs: plan.totalBudgetMs },
        makeCall,
        options,
        planStarted,
      );
      upstreamMs += result.upstreamMs;
      if (result.ok) return { kind: "upstream", ...result, upstreamMs };
      if (!result.retryable) throw result.error;
      lastError = result.error;
      continue;
    }
    index++;
    try {
      const composed =
        step.kind === "cascade"
          ? await runCascade(step, request, options, warnings)
          : await runEnsemble(step, request, options, warnings);
      return { kind: "composed", ...composed, upstreamMs: upstreamMs + composed.upstreamMs };
    } catch (error) {
      if (!(error instanceof GatewayError) || !UPSTREAM_SIDE.has(error.code)) throw error;
      lastError = error;
    }
  }
  throw lastError ?? new GatewayError("upstream_error", "the routing plan has no attempt");
}
