// cascade: steps run in the config's order (cheapest first), each answer checked against its
// acceptance spec; the first accepted answer (or the last step's) is the response. Not streamed
// upstream: a step's answer must be complete before it can be judged.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  buildJudgeScoreRequest,
  checkAcceptance,
  needsJudge,
  parseJudgeScore,
} from "../routing/acceptance.ts";
import { sumUsage } from "../routing/aggregate.ts";
import type { Attempt, CascadeStep } from "../routing/plan.ts";
import { callCanonical } from "./canonical-call.ts";
import type { ExecuteOptions } from "./execute-attempts.ts";

export interface ComposedAnswer {
  response: CanonicalResponse;
  /** The attempt whose answer was returned. */
  served: Attempt;
  upstreamMs: number;
  reason: string;
}

export async function runCascade(
  step: CascadeStep,
  request: CanonicalRequest,
  options: ExecuteOptions,
  warnings: ConversionWarning[],
): Promise<ComposedAnswer> {
  let upstreamMs = 0;
  const answers: CanonicalResponse[] = [];
  const escalations: string[] = [];
  let lastError: GatewayError | null = null;
  for (const [index, item] of step.steps.entries()) {
    const last = index === step.steps.length - 1;
    const role = `cascade step ${index + 1}`;
    const result = await callCanonical(item.attempts, request, { ...options, role }, warnings);
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
      const judged = await callCanonical(
        item.judge,
        buildJudgeScoreRequest(request, result.response, item.judge[0]?.model ?? ""),
        { ...options, role: `judge of cascade step ${index + 1}` },
        warnings,
      );
      upstreamMs += judged.upstreamMs;
      if (judged.ok) answers.push(judged.response);
      verdict = checkAcceptance(
        result.response,
        item.accept,
        judged.ok ? parseJudgeScore(judged.response) : null,
      );
    }
    markRecord(options, result.attempt, verdict.accepted, verdict.reason);
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

function markRecord(options: ExecuteOptions, attempt: Attempt, accepted: boolean, reason: string) {
  for (let index = options.records.length - 1; index >= 0; index--) {
    const record = options.records[index];
    if (record?.attempt === attempt) {
      record.accepted = accepted;
      record.acceptance = reason;
      return;
    }
  }
}
