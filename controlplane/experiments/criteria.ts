// Success criteria of an experiment (DESIGN §9, docs/experiments.md): predicates over the diff,
// all of which must hold ("and"), and the verdict they give: pass, fail, or inconclusive when
// the sample is too small or a metric is not measured in this mode. Pure.
import * as v from "valibot";

export const CRITERIA_METRICS = [
  "cost_delta_pct",
  "error_rate_delta_pct",
  "p95_delta_pct",
  "similarity_pct_above_threshold",
  "judge_worse_pct_upper_ci",
] as const;
export type CriteriaMetric = (typeof CRITERIA_METRICS)[number];

export const PREDICATE_OPS = ["lt", "lte", "gt", "gte"] as const;
export type PredicateOp = (typeof PREDICATE_OPS)[number];

const predicateSchema = v.pipe(
  v.strictObject({
    metric: v.pipe(
      v.picklist(CRITERIA_METRICS, `must be one of ${CRITERIA_METRICS.join(", ")}`),
      v.description(
        "cost_delta_pct and p95_delta_pct: candidate against baseline in percent; " +
          "error_rate_delta_pct: in percentage points; the other two need with_responses.",
      ),
    ),
    op: v.picklist(PREDICATE_OPS, `must be one of ${PREDICATE_OPS.join(", ")}`),
    value: v.pipe(
      v.number(),
      v.check((value: number) => Number.isFinite(value), "must be a finite number"),
    ),
    params: v.optional(
      v.pipe(
        v.record(v.string(), v.unknown()),
        v.description(
          "Metric parameters: {threshold} (cosine, -1..1) for similarity_pct_above_threshold; " +
            "without it the experiment's similarity_threshold applies.",
        ),
      ),
    ),
  }),
  v.check(
    (predicate) => thresholdOf(predicate) !== undefined,
    "params.threshold must be a number from -1 to 1",
  ),
);

export const successCriteriaSchema = v.pipe(
  v.strictObject({
    logic: v.optional(v.literal("and"), "and"),
    min_sample_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50_000))),
    predicates: v.pipe(v.array(predicateSchema), v.minLength(1), v.maxLength(20)),
  }),
  v.description(
    "Every predicate must hold for pass; any that fails gives fail; fewer requests than " +
      "min_sample_size, or a metric this mode does not measure, gives inconclusive.",
  ),
);
export type SuccessCriteria = v.InferOutput<typeof successCriteriaSchema>;
export type CriteriaPredicate = SuccessCriteria["predicates"][number];

/** The diff's figures the predicates read; null when not measured (or not defined). */
export type CriteriaMetrics = Record<CriteriaMetric, number | null> & {
  requests: number;
  /** similarity_pct_above_threshold at a predicate's own params.threshold (with_responses). */
  similarityPctAbove?: (threshold: number) => number | null;
};

/** A predicate's params.threshold: null when absent, undefined when unusable. */
function thresholdOf(predicate: {
  metric: string;
  params?: Record<string, unknown>;
}): number | null | undefined {
  const threshold = predicate.params?.threshold;
  if (predicate.metric !== "similarity_pct_above_threshold" || threshold === undefined) return null;
  return typeof threshold === "number" && threshold >= -1 && threshold <= 1 ? threshold : undefined;
}

function measure(predicate: CriteriaPredicate, metrics: CriteriaMetrics): number | null {
  const threshold = thresholdOf(predicate);
  if (typeof threshold === "number" && metrics.similarityPctAbove)
    return metrics.similarityPctAbove(threshold);
  return metrics[predicate.metric];
}

export type Verdict = "pass" | "fail" | "inconclusive";

export interface PredicateResult {
  metric: CriteriaMetric;
  op: PredicateOp;
  value: number;
  /** The measured figure, or null when it is not available. */
  actual: number | null;
  /** Null when the figure is not available. */
  holds: boolean | null;
}

export interface CriteriaEvaluation {
  verdict: Verdict;
  reason: string;
  predicates: PredicateResult[];
}

const COMPARE: Record<PredicateOp, (actual: number, value: number) => boolean> = {
  lt: (actual, value) => actual < value,
  lte: (actual, value) => actual <= value,
  gt: (actual, value) => actual > value,
  gte: (actual, value) => actual >= value,
};

const SYMBOL: Record<PredicateOp, string> = { lt: "<", lte: "≤", gt: ">", gte: "≥" };

/**
 * The verdict: inconclusive below the minimum sample (at least one request); else fail when a
 * measured predicate does not hold (one failure decides an "and"); else inconclusive when a
 * metric is not available; else pass. Without criteria the verdict is inconclusive.
 */
export function evaluateCriteria(
  criteria: SuccessCriteria | null,
  metrics: CriteriaMetrics,
): CriteriaEvaluation {
  if (!criteria) return { verdict: "inconclusive", reason: "no success criteria", predicates: [] };
  const predicates = criteria.predicates.map((predicate): PredicateResult => {
    const actual = measure(predicate, metrics);
    const measured = actual !== null && Number.isFinite(actual);
    return {
      metric: predicate.metric,
      op: predicate.op,
      value: predicate.value,
      actual: measured ? actual : null,
      holds: measured ? COMPARE[predicate.op](actual, predicate.value) : null,
    };
  });
  const minimum = Math.max(1, criteria.min_sample_size ?? 1);
  if (metrics.requests < minimum) {
    return {
      verdict: "inconclusive",
      reason: `${metrics.requests} requests, fewer than the minimum sample of ${minimum}`,
      predicates,
    };
  }
  const failed = predicates.filter((result) => result.holds === false);
  if (failed.length > 0) {
    return { verdict: "fail", reason: `not met: ${failed.map(describe).join("; ")}`, predicates };
  }
  const missing = predicates.filter((result) => result.holds === null);
  if (missing.length > 0) {
    const names = [...new Set(missing.map((result) => result.metric))].join(", ");
    return {
      verdict: "inconclusive",
      reason: `not measured in this experiment: ${names}`,
      predicates,
    };
  }
  return { verdict: "pass", reason: "every predicate holds", predicates };
}

function describe(result: PredicateResult): string {
  const actual = result.actual === null ? "n/a" : Number(result.actual.toPrecision(4));
  return `${result.metric} ${actual} is not ${SYMBOL[result.op]} ${result.value}`;
}
