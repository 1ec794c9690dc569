// What a promoted experiment predicted, and the window its prediction is checked over
// (docs/experiments.md, "Prediction checked against reality"). Pure: the caller stores it.
import type { ExperimentRow } from "../db/schema/index.ts";

/** The candidate's figures from the replay, per request, as candidate_summary holds them. */
export interface Prediction {
  cost_usd_per_request: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  error_rate: number | null;
  /** Requests the replay covered. */
  requests: number;
  /** The replayed window. */
  window_start: string;
  window_end: string;
}

/** The metrics compared, in the order they are reported. */
export const CHECKED_METRICS = [
  "cost_usd_per_request",
  "p50_latency_ms",
  "p95_latency_ms",
  "error_rate",
] as const;
export type CheckedMetric = (typeof CHECKED_METRICS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A replayed window longer than this is checked on its first week: a week has every weekday. */
export const MAX_CHECK_WINDOW_MS = 7 * DAY_MS;
/** A version that has served too few requests gets this long past its window (at least). */
const MIN_GRACE_MS = DAY_MS;
/** The most requests a measurement waits for: enough for a p95 to mean something. */
export const MIN_REQUESTS = 100;

export interface CheckPlan {
  predicted: Prediction;
  window_ms: number;
  window_end: Date;
  deadline_at: Date;
  min_requests: number;
  /** The experiment's end-user and tag filters (its model filter named the baseline's model). */
  filters: { end_user?: string; tags?: Record<string, string> };
}

/**
 * The check a promotion of `experiment` at `promotedAt` sets up, or null when the replay
 * predicted nothing (no request replayed).
 */
export function planCheck(experiment: ExperimentRow, promotedAt: Date): CheckPlan | null {
  const candidate = (experiment.candidate_summary ?? {}) as Record<string, unknown>;
  const requests = Number(candidate.requests ?? 0);
  if (!Number.isFinite(requests) || requests <= 0) return null;
  const figure = (name: CheckedMetric) => {
    const value = candidate[name];
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  };
  const replayedMs = experiment.window_end.getTime() - experiment.window_start.getTime();
  const windowMs = Math.max(1, Math.min(replayedMs, MAX_CHECK_WINDOW_MS));
  const windowEnd = new Date(promotedAt.getTime() + windowMs);
  const filters = (experiment.filters ?? {}) as CheckPlan["filters"];
  return {
    predicted: {
      cost_usd_per_request: figure("cost_usd_per_request"),
      p50_latency_ms: figure("p50_latency_ms"),
      p95_latency_ms: figure("p95_latency_ms"),
      error_rate: figure("error_rate"),
      requests,
      window_start: experiment.window_start.toISOString(),
      window_end: experiment.window_end.toISOString(),
    },
    window_ms: windowMs,
    window_end: windowEnd,
    deadline_at: new Date(windowEnd.getTime() + Math.max(windowMs, MIN_GRACE_MS)),
    min_requests: Math.min(MIN_REQUESTS, requests),
    filters: {
      ...(filters.end_user ? { end_user: filters.end_user } : {}),
      ...(filters.tags && Object.keys(filters.tags).length > 0 ? { tags: filters.tags } : {}),
    },
  };
}
