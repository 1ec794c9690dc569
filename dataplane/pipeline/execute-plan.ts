// Runs a route plan's steps in order: runs of plain attempts through the attempt executor,
// a cascade or an ensemble through its strategy's runner (strategies/registry.ts), given
// non-streamed calls from here. A step that fails on the upstream's side hands over to the
// next; a client error ends the plan.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Attempt, RoutePlan } from "../routing/plan.ts";
import { runComposedStep } from "../routing/strategies/registry.ts";
import type { ComposedAnswer, ComposedExecution } from "../routing/strategies/strategy.ts";
import { callCanonical } from "./canonical-call.ts";
import {
  type ExecuteOptions,
  type MakeCall,
  runAttempts,
  type UpstreamAnswer,
} from "./execute-attempts.ts";

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
      const composed = await runComposedStep(step, request, composedExecution(options, warnings));
      return { kind: "composed", ...composed, upstreamMs: upstreamMs + composed.upstreamMs };
    } catch (error) {
      if (!(error instanceof GatewayError) || !UPSTREAM_SIDE.has(error.code)) throw error;
      lastError = error;
    }
  }
  throw lastError ?? new GatewayError("upstream_error", "the routing plan has no attempt");
}

/** The calls a cascade or ensemble runner makes: non-streamed, recorded with the plan's. */
function composedExecution(
  options: ExecuteOptions,
  warnings: ConversionWarning[],
): ComposedExecution {
  return {
    clientSignal: options.clientSignal,
    call: (attempts, request, role, signal) =>
      callCanonical(
        attempts,
        request,
        signal === undefined ? { ...options, role } : { ...options, clientSignal: signal, role },
        warnings,
      ),
    markAcceptance(attempt, accepted, reason) {
      for (let index = options.records.length - 1; index >= 0; index--) {
        const record = options.records[index];
        if (record?.attempt === attempt) {
          record.accepted = accepted;
          record.acceptance = reason;
          return;
        }
      }
    },
  };
}
