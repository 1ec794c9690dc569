// One logged request re-sent (POST /logs/{request_id}/replay with `send: true`): its captured
// prompt goes through a private replay plane with the candidate deciding, exactly as a
// with_responses experiment re-sends its sample, and its answer is compared with the recorded
// one. The spend cap, when given, refuses a request whose calls may cost more.
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { ManagementError } from "../api/errors.ts";
import type { Database } from "../db/client.ts";
import type { ReplayView } from "../modules/experiments/model.ts";
import { prepareItem, replayItem, type SampledRequest } from "./replay-item.ts";
import { openReplayPlane, type ReplayTrace } from "./replay-plane.ts";
import type { ResponseComparison } from "./response-comparison.ts";
import { seedOf } from "./seeded-random.ts";
import { SpendGuard } from "./spend-guard.ts";

type LogRow = Record<string, unknown>;

export async function resendRequest(input: {
  db: Database;
  secretBox: SecretBox;
  scope: { orgId: string; projectId: string; slug: string };
  candidate: Record<string, unknown>;
  row: LogRow;
  spendCapUsd: number | null;
  comparison: ResponseComparison;
}): Promise<NonNullable<ReplayView["sent"]>> {
  const { row, comparison } = input;
  const requestId = String(row.request_id);
  const request = sampledRequest(row);
  const plane = await openReplayPlane({
    db: input.db,
    secretBox: input.secretBox,
    scope: input.scope,
    candidate: input.candidate,
    marker: `log:${requestId}`,
    seed: seedOf(requestId),
  });
  const item = prepareItem(plane, request, `@${input.scope.slug}`, comparison);
  if ("skip" in item) throw unprocessable(`the request cannot be re-sent (${item.skip})`);
  const guard = new SpendGuard(input.spendCapUsd ?? Number.POSITIVE_INFINITY);
  const hold = guard.reserve(item.boundUsd);
  if (!hold)
    throw unprocessable(
      `re-sending may cost up to $${item.boundUsd.toPrecision(4)}, more than spend_cap_usd`,
    );
  const result = await replayItem(plane, guard, hold, item, comparison);
  const { pair, candidate } = result;
  const compared = request.response !== null && result.answer !== null;
  return {
    status: candidate.status,
    model: candidate.model,
    provider: candidate.provider,
    cost_usd: candidate.costUsd,
    latency_ms: candidate.latencyMs,
    answer: result.answer,
    baseline_answer: request.response,
    similarity: compared
      ? { model: comparison.embedding_model, value: pair.similarity, error: pair.similarityError }
      : null,
    judge:
      compared && comparison.judge
        ? {
            model: comparison.judge.model,
            verdict: pair.verdict,
            reason: pair.verdictReason,
            error: pair.judgeError,
          }
        : null,
    spent_usd: guard.spentUsd,
    trace: traceView(result.trace),
    error: candidate.status >= 400 ? errorOf(result.trace) : null,
  };
}

/** What re-sending needs of a logged request; refused when its prompt was not captured. */
function sampledRequest(row: LogRow): SampledRequest {
  if (typeof row.prompt !== "string")
    throw unprocessable(
      "the request's prompt was not captured (project setting capture_content), so it cannot be re-sent",
    );
  if (row.req_has_tools === true)
    throw unprocessable("the request offered tools, whose definitions are not captured");
  const tags = row.tags && typeof row.tags === "object" ? row.tags : null;
  const number = (value: unknown) => (typeof value === "number" ? value : null);
  return {
    request_id: String(row.request_id),
    surface: String(row.surface ?? "openai"),
    prompt: row.prompt,
    response: typeof row.response === "string" ? row.response : null,
    tags_json: tags && Object.keys(tags).length > 0 ? JSON.stringify(tags) : null,
    end_user: (row.end_user as string | null) ?? null,
    conversation_id: (row.conversation_id as string | null) ?? null,
    input_tokens: Number(row.input_tokens ?? 0),
    req_input_tokens: Number(row.req_input_tokens ?? 0),
    req_has_images: row.req_has_images === true,
    req_wants_json: row.req_wants_json === true,
    req_max_tokens: number(row.req_max_tokens),
    req_temperature: number(row.req_temperature),
  };
}

/** The trace without its captured content, as `mlx:trace` shows it: the answer is beside it. */
function traceView(trace: ReplayTrace | null): Record<string, unknown> | null {
  if (!trace) return null;
  const { content: _content, ...rest } = trace;
  return rest;
}

const unprocessable = (message: string) => new ManagementError("unprocessable", message);

function errorOf(trace: { error?: { message: string } } | null): string {
  return trace?.error?.message ?? "the candidate's request failed";
}
