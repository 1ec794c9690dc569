// ensemble: every member asked at once, bounded by `timeout_ms`; answers aggregated by
// first_valid (the first valid answer, the others cancelled), weighted_vote, weighted_average or
// llm_judge. Not streamed upstream: aggregation needs complete answers.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Attempt, EnsembleStep } from "../../plan-types.ts";
import { sumUsage } from "../composed-answers.ts";
import type { ComposedAnswer, ComposedExecution } from "../strategy.ts";
import {
  type Aggregated,
  buildEnsembleJudgeRequest,
  firstValid,
  isValidAnswer,
  type MemberResult,
  parseEnsembleJudgeChoice,
  weightedAverage,
  weightedVote,
} from "./aggregate.ts";

export async function runEnsemble(
  step: EnsembleStep,
  request: CanonicalRequest,
  execution: ComposedExecution,
): Promise<ComposedAnswer> {
  const started = performance.now();
  const cancel = new AbortController();
  const deadline = AbortSignal.timeout(step.timeoutMs);
  const signals = [
    cancel.signal,
    deadline,
    ...(execution.clientSignal ? [execution.clientSignal] : []),
  ];
  const signal = AbortSignal.any(signals);
  const results: MemberResult[] = [];
  const served = new Map<number, Attempt>();
  let finished = 0;
  let resolveFirst: (() => void) | null = null;
  const firstValidSeen = new Promise<void>((resolve) => {
    resolveFirst = resolve;
  });
  const calls = step.members.map(async (member, index) => {
    const memberStarted = performance.now();
    const result = await execution.call(
      member.attempts,
      request,
      `ensemble member ${index + 1}`,
      signal,
    );
    const entry: MemberResult = {
      index,
      label: member.label,
      weight: member.weight,
      response: result.ok ? result.response : null,
      latencyMs: performance.now() - memberStarted,
      finishedOrder: finished++,
    };
    if (!result.ok) entry.error = result.error.message;
    else served.set(index, result.attempt);
    results.push(entry);
    if (step.aggregation === "first_valid" && entry.response && isValidAnswer(entry.response))
      resolveFirst?.();
  });
  const all = Promise.allSettled(calls);
  if (step.aggregation === "first_valid") {
    await Promise.race([all, firstValidSeen]);
    cancel.abort();
  } else {
    await all;
  }
  if (execution.clientSignal?.aborted)
    throw new GatewayError("invalid_request", "client closed the request");
  const answered = results.filter((entry) => entry.response !== null).length;
  let aggregated: Aggregated | null = null;
  const judgeAnswers: CanonicalResponse[] = [];
  switch (step.aggregation) {
    case "first_valid":
      aggregated = firstValid(results);
      break;
    case "weighted_vote":
      aggregated = weightedVote(results);
      break;
    case "weighted_average":
      aggregated = weightedAverage(results);
      break;
    case "llm_judge":
      aggregated = await judge(step, request, results, execution, judgeAnswers);
      break;
  }
  const upstreamMs = performance.now() - started;
  if (aggregated === null) {
    const timedOut = deadline.aborted ? ` within ${step.timeoutMs} ms` : "";
    throw new GatewayError(
      deadline.aborted ? "timeout" : "upstream_error",
      `no ensemble member gave a valid answer${timedOut} (${answered} of ${step.members.length} answered)`,
    );
  }
  const winner =
    served.get(aggregated.winnerIndex) ?? step.members[aggregated.winnerIndex]?.attempts[0];
  if (!winner) throw new GatewayError("internal", "ensemble winner has no attempt");
  const responses = results.flatMap((entry) => (entry.response ? [entry.response] : []));
  const late = step.members.length - answered;
  const reason = `${aggregated.reason}${late > 0 ? `; ${late} member(s) gave no answer` : ""}`;
  return {
    // Every member that answered was paid for; usage is their total (judge included when used).
    response: { ...aggregated.response, usage: sumUsage(responses.concat(judgeAnswers)) },
    served: winner,
    upstreamMs,
    reason,
  };
}

async function judge(
  step: EnsembleStep,
  request: CanonicalRequest,
  results: MemberResult[],
  execution: ComposedExecution,
  /** Receives the judge's own answer: it is paid for too. */
  judgeAnswers: CanonicalResponse[],
): Promise<Aggregated | null> {
  const valid = results
    .filter((entry) => entry.response !== null && isValidAnswer(entry.response))
    .sort((a, b) => a.index - b.index);
  if (valid.length === 0) return null;
  const fallback = weightedVote(results);
  if (valid.length === 1 || step.judge === null || step.judge.length === 0) return fallback;
  const judged = await execution.call(
    step.judge,
    buildEnsembleJudgeRequest(
      request,
      valid.map((entry) => ({
        index: entry.index,
        response: entry.response as NonNullable<MemberResult["response"]>,
      })),
      step.judge[0]?.model ?? "",
    ),
    "ensemble judge",
  );
  if (!judged.ok) {
    return (
      fallback && {
        ...fallback,
        reason: `judge failed (${judged.error.message}); ${fallback.reason}`,
      }
    );
  }
  judgeAnswers.push(judged.response);
  const choice = parseEnsembleJudgeChoice(
    judged.response,
    valid.map((entry) => entry.index),
  );
  const chosen = valid.find((entry) => entry.index === choice);
  if (!chosen?.response) {
    return fallback && { ...fallback, reason: `judge gave no usable choice; ${fallback.reason}` };
  }
  const aggregated: Aggregated = {
    winnerIndex: chosen.index,
    response: chosen.response,
    reason: `judge chose member ${chosen.index + 1} (${chosen.label}) of ${valid.length} valid answers`,
    scores: valid.map((entry) => ({
      index: entry.index,
      score: entry.index === chosen.index ? 1 : 0,
    })),
  };
  return aggregated;
}
