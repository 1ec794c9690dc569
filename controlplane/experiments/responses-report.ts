// The `responses` part of a with_responses experiment as stored and shown (docs/experiments.md):
// the sample and what happened to it, the spend against the cap, the similarity and judge
// figures, and the least similar pairs to look at first.
import { roundUsd } from "#shared/pricing/cost.ts";
import type { ResponseComparison } from "./response-comparison.ts";
import {
  type JudgeFigures,
  judgeFigures,
  type PairOutcome,
  type SimilarityFigures,
  similarityFigures,
} from "./response-stats.ts";
import type { SpendCategory, SpendGuard } from "./spend-guard.ts";

/** How many of the least similar pairs the report lists. */
const LEAST_SIMILAR = 20;

export interface ResponsesReport {
  sample_size: number;
  /** Requests drawn from those that can be re-sent (at most sample_size). */
  sampled: number;
  sent: number;
  /** Drawn but not re-sent: their prompt could not be rebuilt (by reason). */
  skipped: Record<string, number>;
  /** The window's matching requests by whether they could be re-sent, and why not. */
  coverage: Record<string, number>;
  stopped_by_spend_cap: boolean;
  spend_cap_usd: number;
  spent_usd: number;
  spent_by: Record<SpendCategory, number>;
  candidate_errors: number;
  similarity: SimilarityFigures;
  judge: JudgeFigures | null;
  least_similar: Array<{
    request_id: string;
    similarity: number | null;
    verdict: string | null;
    reason: string | null;
  }>;
  message: string | null;
}

export function responsesReport(input: {
  comparison: ResponseComparison;
  pairs: readonly PairOutcome[];
  guard: SpendGuard;
  sampleSize: number;
  sampled: number;
  skipped: Record<string, number>;
  coverage: Record<string, number>;
  stoppedBySpendCap: boolean;
  firstBoundUsd: number | null;
}): ResponsesReport {
  const { comparison, pairs, guard } = input;
  const leastSimilar = pairs
    .filter((pair) => pair.similarity !== null && pair.similarity < 1)
    .sort((a, b) => (a.similarity as number) - (b.similarity as number))
    .slice(0, LEAST_SIMILAR)
    .map((pair) => ({
      request_id: pair.requestId,
      similarity: round(pair.similarity),
      verdict: pair.verdict,
      reason: pair.verdictReason,
    }));
  let message: string | null = null;
  if (input.stoppedBySpendCap && pairs.length === 0)
    message = `the spend cap ($${guard.capUsd}) is below what the first request may cost ($${roundUsd(input.firstBoundUsd ?? 0)}); nothing was sent`;
  else if (input.stoppedBySpendCap)
    message = `stopped by the spend cap after ${pairs.length} of ${input.sampled} requests`;
  return {
    sample_size: input.sampleSize,
    sampled: input.sampled,
    sent: pairs.length,
    skipped: input.skipped,
    coverage: input.coverage,
    stopped_by_spend_cap: input.stoppedBySpendCap,
    spend_cap_usd: guard.capUsd,
    spent_usd: roundUsd(guard.spentUsd),
    spent_by: {
      requests: roundUsd(guard.spentBy.requests),
      embeddings: roundUsd(guard.spentBy.embeddings),
      judge: roundUsd(guard.spentBy.judge),
    },
    candidate_errors: pairs.filter((pair) => pair.status >= 400).length,
    similarity: similarityFigures(
      pairs,
      comparison.embedding_model,
      comparison.similarity_threshold,
    ),
    judge: comparison.judge ? judgeFigures(pairs, comparison.judge.model) : null,
    least_similar: leastSimilar,
    message,
  };
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e6) / 1e6;
}
