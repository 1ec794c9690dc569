// `X-Modelux-Dry-Run: true`: the whole pipeline up to the upstream call (auth, budgets,
// routing), answered with the decision instead of a completion. The same JSON on both surfaces.

import type { RoutePlan } from "../routing/plan.ts";
import { leafAttempts } from "../routing/plan.ts";
import { modeluxHeaders } from "../surfaces/response-headers.ts";
import type { DecisionTrace } from "../trace/decision-trace.ts";

export function dryRunResponse(
  requestId: string,
  plan: RoutePlan,
  trace: DecisionTrace,
  budgetHeaders: Record<string, string> = {},
): Response {
  const first = leafAttempts(plan)[0] ?? null;
  const wouldServe = first ? { provider: first.provider.name, model: first.model } : null;
  trace.decision.winner = wouldServe?.model ?? null;
  trace.decision.provider = wouldServe?.provider ?? null;
  const headers = {
    ...modeluxHeaders(requestId, plan, wouldServe, trace.overhead_ms),
    ...budgetHeaders,
    "x-modelux-dry-run": "true",
    "content-type": "application/json",
  };
  const body = {
    object: "modelux.dry_run",
    request_id: requestId,
    /** The first attempt of the plan: what would be called if nothing fails. */
    would_serve: wouldServe,
    plan: plan.steps.map((step) =>
      step.kind === "attempt"
        ? {
            kind: "attempt",
            provider: step.provider.name,
            model: step.model,
            timeout_ms: step.timeoutMs,
          }
        : step.kind === "cascade"
          ? {
              kind: "cascade",
              steps: step.steps.map((item) => ({
                models: item.attempts.map((attempt) => `${attempt.provider.name}/${attempt.model}`),
                accept: item.accept ?? null,
              })),
            }
          : {
              kind: "ensemble",
              aggregation: step.aggregation,
              timeout_ms: step.timeoutMs,
              members: step.members.map((member) => ({
                weight: member.weight,
                models: member.attempts.map(
                  (attempt) => `${attempt.provider.name}/${attempt.model}`,
                ),
              })),
            },
    ),
    "mlx:trace": trace,
  };
  return new Response(JSON.stringify(body), { status: 200, headers });
}
