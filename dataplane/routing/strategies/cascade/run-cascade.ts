// cascade: steps run in the config's order (cheapest first), each answer checked against its
// acceptance spec; the first accepted answer (or the last step's) is the response. Not streamed
// upstream: a step's answer must be complete before it can be judged.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { CascadeStep } from "../../plan-types.ts";
import { sumUsage } from "../composed-answers.ts";
import type { ComposedAnswer, ComposedExecution } from "../strategy.ts";
import {
  buildJudgeScoreRequest,
  checkAcceptance,
  needsJudge,
  parseJudgeScore,
} from "./acceptance.ts";

export async function runCascade(
  step: CascadeStep,
  request: CanonicalRequest,
  execution: ComposedExecution,
): Promise<ComposedAnswer> {
  let upstreamMs = 0;
  const answers: CanonicalResponse[] = [];
  const escalations: string[] = [];
  let lastError: GatewayError | null = null;
  for (const [index, item] of step.steps.entries()) {
    const last = index === step.steps.length - 1;
    const role = `cascade step ${index + 1}`;
    const result = await execution.call(item.attempts, request, role);
    upstreamMs += result.upstreamMs;
    if (!result.ok) {
      if (!result.retryable && result.error.code !== "timeout") throw result.error;
      lastError = result.error;
      escalations.push(`step ${index + 1} failed (${result.error.message})`);
      continue;
    }
    answers.push(result.response);
    // The cheap checks first: a judge is only paid for when the answer passed them.
    let verdict = checkAcceptance(
      result.response,
      item.accept && { ...item.accept, judge_score: undefined },
    );
    if (
      verdict.accepted &&
      needsJudge(item.accept) &&
      item.judge !== null &&
      item.judge.length > 0
    ) {
      const judged = await execution.call(
        item.judge,
        buildJudgeScoreRequest(request, result.response, item.judge[0]?.model ?? ""),
        `judge of cascade step ${index + 1}`,
      );
      upstreamMs += judged.upstreamMs;
      if (judged.ok) answers.push(judged.response);
      verdict = checkAcceptance(
        result.response,
        item.accept,
        judged.ok ? parseJudgeScore(judged.response) : null,
      );
    }
    execution.markAcceptance(result.attempt, verdict.accepted, verdict.reason);
    if (verdict.accepted || last) {
      const served = `step ${index + 1} (${item.label})`;
      const reason = verdict.accepted
        ? `${escalations.length ? `${escalations.join("; ")}; ` : ""}${served} accepted: ${verdict.reason}`
        : `${escalations.join("; ")}; ${served} is the last step, returned although not accepted: ${verdict.reason}`;
      // The client pays for every step; the usage reported is the total.
      return {
        response: { ...result.response, usage: sumUsage(answers) },
        served: result.attempt,
        upstreamMs,
        reason: reason.replace(/^; /, ""),
      };
    }
    escalations.push(`step ${index + 1} not accepted (${verdict.reason})`);
  }
  throw lastError ?? new GatewayError("upstream_error", "no cascade step answered");
}
