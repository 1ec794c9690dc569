// What one call through the replay plane can cost at most, from its route plan, with the data
// plane's own admission estimate (input tokens at the input price plus the output bound at the
// output price, `estimateRequestUsd`). A plan's steps are tried one after the other until one
// answers and a failed attempt costs nothing, so a plan costs at most its dearest step; a cascade
// may run all its steps and an ensemble all its members, so theirs add up (a judge counts as
// one more member). Pure.
import {
  type Attempt,
  estimateRequestUsd,
  outputBound,
  type PlanStep,
  type RequestFeatures,
  type RoutePlan,
} from "../../dataplane/in-process.ts";

export interface CostBound {
  usd: number;
  /** The most output tokens any of the plan's models may write. */
  outputTokens: number;
}

export function planCostBound(plan: RoutePlan, features: RequestFeatures): CostBound {
  let usd = 0;
  let outputTokens = 0;
  const attemptUsd = (attempt: Attempt) => {
    outputTokens = Math.max(outputTokens, outputBound(attempt.info, features.maxTokens));
    return estimateRequestUsd(attempt.info, features);
  };
  const dearest = (attempts: readonly Attempt[]) => Math.max(0, ...attempts.map(attemptUsd));
  const stepUsd = (step: PlanStep): number => {
    if (step.kind === "attempt") return attemptUsd(step);
    if (step.kind === "cascade")
      return step.steps.reduce(
        (sum, item) => sum + dearest(item.attempts) + dearest(item.judge ?? []),
        0,
      );
    return (
      step.members.reduce((sum, member) => sum + dearest(member.attempts), 0) +
      dearest(step.judge ?? [])
    );
  };
  for (const step of plan.steps) usd = Math.max(usd, stepUsd(step));
  return { usd, outputTokens };
}

/** Tokens of a text as the data plane estimates them: about four characters a token. */
export function estimatedTokens(characters: number): number {
  return Math.max(1, Math.ceil(characters / 4));
}

/** Features of a call known only by its size (embeddings, judge). */
export function sizedFeatures(inputTokens: number, maxTokens: number | null): RequestFeatures {
  return {
    inputTokens: Math.max(1, Math.ceil(inputTokens)),
    hasTools: false,
    hasImages: false,
    wantsJson: false,
    stream: false,
    maxTokens,
    temperature: null,
  };
}
