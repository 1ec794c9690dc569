// The two sides of an experiment and their diff, computed by DuckDB (experiment_summary.sql,
// experiment_diff.sql) over the session's sampled rows and candidate results, as the JSON the
// experiment row stores.
import { roundUsd } from "#shared/pricing/cost.ts";
import type { CriteriaMetrics } from "./criteria.ts";
import type { ExperimentSession } from "./experiment-duckdb.ts";

export interface RouteShare {
  /** Null (with provider) for the requests that failed: no model served them. */
  model: string | null;
  provider: string | null;
  requests: number;
  share: number;
}

export interface SideSummary {
  requests: number;
  cost_usd: number;
  cost_usd_per_request: number | null;
  /** Over the successful requests. */
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  errors: number;
  error_rate: number | null;
  routes: RouteShare[];
}

export interface RouteTransition {
  from_model: string | null;
  from_provider: string | null;
  to_model: string | null;
  to_provider: string | null;
  requests: number;
}

export interface Comparison {
  requests: number;
  /** Percent of the baseline's total; null when the baseline cost nothing. */
  cost_delta_pct: number | null;
  /** Percentage points. */
  error_rate_delta_pct: number | null;
  p50_delta_pct: number | null;
  p95_delta_pct: number | null;
  changed_requests: number;
  changed_share: number | null;
  borrowed_outcomes: number;
  /** The most frequent route changes, most frequent first. */
  transitions: RouteTransition[];
}

const TOP_TRANSITIONS = 20;

const EMPTY_SIDE: SideSummary = {
  requests: 0,
  cost_usd: 0,
  cost_usd_per_request: null,
  p50_latency_ms: null,
  p95_latency_ms: null,
  errors: 0,
  error_rate: null,
  routes: [],
};

export async function summarize(session: ExperimentSession): Promise<{
  baseline: SideSummary;
  candidate: SideSummary;
  comparison: Comparison;
}> {
  // One connection runs one query at a time.
  const sides = await session.rows("experiment_summary");
  const [diff] = await session.rows("experiment_diff", { top_transitions: TOP_TRANSITIONS });
  const side = (name: string) => {
    const row = sides.find((entry) => entry.side === name);
    return row ? sideSummary(row) : EMPTY_SIDE;
  };
  return {
    baseline: side("baseline"),
    candidate: side("candidate"),
    comparison: comparison(diff ?? {}),
  };
}

/** What with_responses adds to the figures the criteria read. */
export interface ResponseMetrics {
  /** Percent of compared answers at or above the experiment's threshold. */
  similarityPctAboveThreshold: number | null;
  /** At another threshold (a predicate's params.threshold). */
  similarityPctAbove: (threshold: number) => number | null;
  /** Upper bound of the judged-worse share's 95% Wilson interval, percent; null without judge. */
  judgeWorsePctUpperCi: number | null;
}

/** What the success criteria read; similarity and judge metrics need with_responses. */
export function criteriaMetrics(
  comparison: Comparison,
  responses: ResponseMetrics | null = null,
): CriteriaMetrics {
  return {
    requests: comparison.requests,
    cost_delta_pct: comparison.cost_delta_pct,
    error_rate_delta_pct: comparison.error_rate_delta_pct,
    p95_delta_pct: comparison.p95_delta_pct,
    similarity_pct_above_threshold: responses?.similarityPctAboveThreshold ?? null,
    judge_worse_pct_upper_ci: responses?.judgeWorsePctUpperCi ?? null,
    ...(responses ? { similarityPctAbove: responses.similarityPctAbove } : {}),
  };
}

function sideSummary(row: Record<string, unknown>): SideSummary {
  const routes = (row.routes as Array<Record<string, unknown>> | null) ?? [];
  return {
    requests: Number(row.requests),
    cost_usd: roundUsd(Number(row.cost_usd)),
    cost_usd_per_request: nullableUsd(row.cost_usd_per_request),
    p50_latency_ms: rounded(row.p50_latency_ms),
    p95_latency_ms: rounded(row.p95_latency_ms),
    errors: Number(row.errors),
    error_rate: rounded(row.error_rate, 6),
    routes: routes.map((route) => ({
      model: (route.model as string | null) ?? null,
      provider: (route.provider as string | null) ?? null,
      requests: Number(route.requests),
      share: rounded(route.share, 6) ?? 0,
    })),
  };
}

function comparison(row: Record<string, unknown>): Comparison {
  const transitions = (row.transitions as Array<Record<string, unknown>> | null) ?? [];
  return {
    requests: Number(row.requests ?? 0),
    cost_delta_pct: rounded(row.cost_delta_pct, 6),
    error_rate_delta_pct: rounded(row.error_rate_delta_pct, 6),
    p50_delta_pct: rounded(row.p50_delta_pct, 6),
    p95_delta_pct: rounded(row.p95_delta_pct, 6),
    changed_requests: Number(row.changed_requests ?? 0),
    changed_share: rounded(row.changed_share, 6),
    borrowed_outcomes: Number(row.borrowed_outcomes ?? 0),
    transitions: transitions.map((entry) => ({
      from_model: (entry.from_model as string | null) ?? null,
      from_provider: (entry.from_provider as string | null) ?? null,
      to_model: (entry.to_model as string | null) ?? null,
      to_provider: (entry.to_provider as string | null) ?? null,
      requests: Number(entry.requests),
    })),
  };
}

/** A figure rounded to `places` decimals (3 by default: microseconds of latency); null stays. */
function rounded(value: unknown, places = 3): number | null {
  if (value === null || value === undefined) return null;
  const number = Number(value);
  if (!Number.isFinite(number)) return null;
  const scale = 10 ** places;
  return Math.round(number * scale) / scale;
}

function nullableUsd(value: unknown): number | null {
  return value === null || value === undefined ? null : roundUsd(Number(value));
}
