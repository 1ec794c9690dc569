// What a candidate's plan would have done for one recorded request (docs/experiments.md): the
// plan's steps walked in order against what the request did and what each model did in the
// window. Pure: the randomness comes in seeded.
import type { Attempt, PlanStep } from "../../dataplane/in-process.ts";
import type { CandidateResultRow, Columns } from "./experiment-duckdb.ts";
import { candidateCostUsd, drawFrom, isClientError, type Profiles, routeKey } from "./outcomes.ts";

const SIMULATED_FAILURE_STATUS = 502;

export interface RecordedRow {
  requestId: string;
  provider: string | null;
  model: string | null;
  status: number;
  costUsd: number;
  latencyMs: number | null;
  inputTokens: number;
  outputTokens: number;
  requestInputTokens: number;
  /** The upstream attempts it made that failed (only for requests with a fallback or an error). */
  failedAttempts: Array<{ provider: string; model: string; latency_ms: number | null }> | null;
}

export function recordedRow(rows: Columns, index: number): RecordedRow {
  return {
    requestId: rows.request_id?.[index] as string,
    provider: (rows.provider?.[index] as string | null) ?? null,
    model: (rows.model?.[index] as string | null) ?? null,
    status: rows.status?.[index] as number,
    costUsd: rows.cost_usd?.[index] as number,
    latencyMs: (rows.latency_ms?.[index] as number | null) ?? null,
    inputTokens: rows.input_tokens?.[index] as number,
    outputTokens: rows.output_tokens?.[index] as number,
    requestInputTokens: rows.req_input_tokens?.[index] as number,
    failedAttempts: (rows.failed_attempts?.[index] as RecordedRow["failedAttempts"]) ?? null,
  };
}

/**
 * Walks the plan as the data plane would, one step after another until one succeeds. What the
 * recorded request did is fact: the model that answered it answers again with its recorded
 * cost and latency, and a model it tried that failed fails again. Any other model seen in the
 * window fails with its observed error rate (a seeded draw) and otherwise answers with a
 * latency drawn from its observed ones; a model not seen in the window borrows the recorded
 * outcome. A cascade or ensemble step stands for its first model. Client errors (see
 * isClientError) carry over unchanged.
 */
export function predictOutcome(
  steps: readonly PlanStep[],
  row: RecordedRow,
  profiles: Profiles,
  random: () => number,
  unobserved: Set<string>,
): CandidateResultRow {
  const base = { requestId: row.requestId, borrowed: false };
  if (isClientError(row.status))
    return {
      ...base,
      model: null,
      provider: null,
      status: row.status,
      costUsd: 0,
      latencyMs: row.latencyMs,
      borrowed: true,
      attempts: 0,
    };
  const recordedFailed = row.status >= 400;
  // Latency of failed steps before the answer: recorded ones are already in row.latencyMs.
  let simulatedMs = 0;
  let recordedMs = 0;
  let attempts = 0;
  let borrowed = false;
  let failureStatus = SIMULATED_FAILURE_STATUS;
  const upTo = (ms: number | null) => (ms === null ? null : ms + simulatedMs + recordedMs);
  for (const step of steps) {
    const attempt = firstAttempt(step);
    if (!attempt) continue;
    attempts++;
    const provider = attempt.provider.name;
    const model = attempt.model;
    const served = { ...base, model, provider, status: 200, attempts };
    if (!recordedFailed && provider === row.provider && model === row.model) {
      const latencyMs = row.latencyMs === null ? null : row.latencyMs + simulatedMs;
      return { ...served, status: row.status, costUsd: row.costUsd, latencyMs, borrowed };
    }
    const failedBefore = row.failedAttempts?.find(
      (entry) => entry.provider === provider && entry.model === model,
    );
    if (failedBefore) {
      recordedMs += failedBefore.latency_ms ?? 0;
      if (recordedFailed) failureStatus = row.status;
      continue;
    }
    const cost = () =>
      candidateCostUsd(
        profiles,
        { ...row, failed: recordedFailed },
        { provider, model, price: attempt.info.price },
      );
    const profile = profiles.byRoute.get(routeKey(provider, model));
    if (!profile || profile.attempts === 0) {
      unobserved.add(`${provider}/${model}`);
      borrowed = true;
      if (recordedFailed) {
        failureStatus = row.status;
        continue;
      }
      return {
        ...served,
        costUsd: cost(),
        latencyMs: row.latencyMs === null ? null : row.latencyMs + simulatedMs,
        borrowed,
      };
    }
    if (random() < profile.errorRate) {
      simulatedMs += drawFrom(profile.failureLatencies, random) ?? 0;
      failureStatus = SIMULATED_FAILURE_STATUS;
      continue;
    }
    const drawn = drawFrom(profile.latencies, random);
    if (drawn === null) borrowed = true;
    const latencyMs =
      drawn === null ? (row.latencyMs === null ? null : row.latencyMs + simulatedMs) : upTo(drawn);
    return { ...served, costUsd: cost(), latencyMs, borrowed };
  }
  return {
    ...base,
    model: null,
    provider: null,
    status: failureStatus,
    costUsd: 0,
    latencyMs: attempts > 0 ? simulatedMs + recordedMs : null,
    borrowed,
    attempts,
  };
}

function firstAttempt(step: PlanStep): Attempt | undefined {
  if (step.kind === "attempt") return step;
  if (step.kind === "cascade") return step.steps[0]?.attempts[0];
  return step.members[0]?.attempts[0];
}

export function unservable(requestId: string, status: number): CandidateResultRow {
  return {
    requestId,
    model: null,
    provider: null,
    status,
    costUsd: 0,
    latencyMs: null,
    borrowed: false,
    attempts: 0,
  };
}
