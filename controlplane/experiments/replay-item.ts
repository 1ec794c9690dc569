// One sampled request of a with_responses experiment: its cost bound (the request, its
// embedding call and its judge call), then the re-send through the replay plane with the
// candidate deciding, and the comparison of the two answers, each call charged to the spend
// cap as it returns.

import {
  answerSimilarity,
  judgeAnswers,
  judgeBoundUsd,
  similarityBoundUsd,
} from "./compare-answers.ts";
import type { CandidateResultRow } from "./experiment-duckdb.ts";
import { type CapturedRequest, type ReplayCall, replayCall } from "./replay-body.ts";
import type { ReplayPlane, ReplayTrace } from "./replay-plane.ts";
import type { ResponseComparison } from "./response-comparison.ts";
import type { PairOutcome } from "./response-stats.ts";
import type { Hold, SpendGuard } from "./spend-guard.ts";

/** A row of experiment_content_rows.sql (or a logged request to re-send). */
export interface SampledRequest extends CapturedRequest {
  input_tokens: number;
  req_input_tokens: number;
  req_has_images: boolean;
  /** The recorded answer; null when none was captured (nothing to compare with). */
  response: string | null;
}

export interface PreparedItem {
  request: SampledRequest;
  call: ReplayCall;
  boundUsd: number;
}

export interface ItemResult {
  pair: PairOutcome;
  candidate: CandidateResultRow;
  trace: ReplayTrace | null;
  /** The candidate's answer as captured. */
  answer: string | null;
}

/** The call to make and what it may cost at most; a skip reason when it cannot be re-sent. */
export function prepareItem(
  plane: ReplayPlane,
  request: SampledRequest,
  model: string,
  comparison: ResponseComparison,
): PreparedItem | { skip: string } {
  const built = replayCall(request, model);
  if ("skip" in built) return built;
  const tags = built.value.body["mlx:tags"] as Record<string, string> | undefined;
  const features = {
    // The recorded usage when it is higher than the estimate: a bound should not be low.
    inputTokens: Math.max(1, request.req_input_tokens, request.input_tokens),
    hasTools: false,
    hasImages: request.req_has_images,
    wantsJson: request.req_wants_json,
    stream: false,
    maxTokens: request.req_max_tokens,
    temperature: request.req_temperature,
  };
  const bound = plane.costBound(model, features, {
    tags: tags ?? {},
    user: request.end_user,
    conversationId: request.conversation_id,
  });
  let boundUsd = bound.usd;
  if (request.response !== null) {
    boundUsd += similarityBoundUsd(
      plane,
      comparison.embedding_model,
      request.response,
      bound.outputTokens,
    );
    if (comparison.judge)
      boundUsd += judgeBoundUsd(
        plane,
        comparison.judge,
        request.prompt,
        request.response,
        bound.outputTokens,
      );
  }
  return { request, call: built.value, boundUsd };
}

export async function replayItem(
  plane: ReplayPlane,
  guard: SpendGuard,
  hold: Hold,
  item: PreparedItem,
  comparison: ResponseComparison,
): Promise<ItemResult> {
  const { request } = item;
  try {
    const answer = await plane.send(item.call, request.request_id);
    guard.charge(hold, "requests", answer.costUsd);
    const trace = answer.trace;
    const pair: PairOutcome = {
      requestId: request.request_id,
      status: answer.status,
      similarity: null,
      similarityError: null,
      verdict: null,
      verdictReason: null,
      judgeError: null,
    };
    const charge = (category: "embeddings" | "judge", usd: number) =>
      guard.charge(hold, category, usd);
    const baseline = request.response;
    if (answer.status < 400 && answer.text !== null && baseline !== null) {
      const similarity = await answerSimilarity(
        plane,
        comparison.embedding_model,
        baseline,
        answer.text,
        charge,
      );
      pair.similarity = similarity.value;
      pair.similarityError = similarity.error;
      if (comparison.judge) {
        const judgement = await judgeAnswers(
          plane,
          comparison.judge,
          request.prompt,
          baseline,
          answer.text,
          charge,
        );
        pair.verdict = judgement.verdict;
        pair.verdictReason = judgement.reason;
        pair.judgeError = judgement.error;
      }
    }
    return {
      pair,
      candidate: {
        requestId: request.request_id,
        model: answer.status < 400 ? (trace?.decision.winner ?? null) : null,
        provider: answer.status < 400 ? (trace?.decision.provider ?? null) : null,
        status: answer.status,
        costUsd: answer.costUsd,
        latencyMs: trace?.latency_ms ?? null,
        borrowed: false,
        attempts: trace?.attempts.length ?? 0,
      },
      trace,
      answer: answer.text,
    };
  } finally {
    guard.release(hold);
  }
}
