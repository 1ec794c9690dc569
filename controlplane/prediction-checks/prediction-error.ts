// How far a prediction was from what happened, per metric, and the same across many promotions
// (docs/experiments.md, "Prediction checked against reality"). Pure.
import { CHECKED_METRICS, type CheckedMetric, type Prediction } from "./prediction.ts";

/** What the promoted version served in the measured window (served_outcome.sql). */
export interface Actual {
  requests: number;
  errors: number;
  cost_usd: number;
  cost_usd_per_request: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  error_rate: number | null;
  window_start: string;
  window_end: string;
}

export interface MetricError {
  predicted: number | null;
  actual: number | null;
  /** actual − predicted (for error_rate: a fraction, ×100 for percentage points). */
  absolute_error: number | null;
  /**
   * (actual − predicted) / predicted: +0.25 is 25 % more than predicted. Null when either figure
   * is missing, or the prediction was 0 and the actual was not (no ratio exists); 0 when both 0.
   */
  relative_error: number | null;
}

export type PredictionErrors = Record<CheckedMetric, MetricError>;

export function predictionErrors(predicted: Prediction, actual: Actual): PredictionErrors {
  const errors = {} as PredictionErrors;
  for (const metric of CHECKED_METRICS) {
    errors[metric] = metricError(predicted[metric], actual[metric]);
  }
  return errors;
}

export function metricError(predicted: number | null, actual: number | null): MetricError {
  if (predicted === null || actual === null)
    return { predicted, actual, absolute_error: null, relative_error: null };
  const absolute = actual - predicted;
  const relative = predicted === 0 ? (actual === 0 ? 0 : null) : absolute / Math.abs(predicted);
  return {
    predicted,
    actual,
    absolute_error: rounded(absolute, 9),
    relative_error: relative === null ? null : rounded(relative, 6),
  };
}

export interface MetricAccuracy {
  /** Promotions whose relative error exists for this metric. */
  count: number;
  /** Mean of |relative error| × 100; null without any. */
  mean_absolute_pct_error: number | null;
  /** Mean of relative error × 100: positive when reality came out higher than predicted. */
  mean_signed_pct_error: number | null;
  /** Mean of |actual − predicted| over the promotions with both figures. */
  mean_absolute_error: number | null;
}

/** Per metric, the error across `rows` (each a validated promotion's errors). */
export function accuracyAcross(rows: PredictionErrors[]): Record<CheckedMetric, MetricAccuracy> {
  const out = {} as Record<CheckedMetric, MetricAccuracy>;
  for (const metric of CHECKED_METRICS) {
    const relative = rows
      .map((row) => row[metric]?.relative_error)
      .filter((value): value is number => typeof value === "number");
    const absolute = rows
      .map((row) => row[metric]?.absolute_error)
      .filter((value): value is number => typeof value === "number");
    const mean = (values: number[]) =>
      values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
    const mape = mean(relative.map((value) => Math.abs(value) * 100));
    const bias = mean(relative.map((value) => value * 100));
    const mae = mean(absolute.map(Math.abs));
    out[metric] = {
      count: relative.length,
      mean_absolute_pct_error: mape === null ? null : rounded(mape, 4),
      mean_signed_pct_error: bias === null ? null : rounded(bias, 4),
      mean_absolute_error: mae === null ? null : rounded(mae, 9),
    };
  }
  return out;
}

function rounded(value: number, places: number): number {
  const scale = 10 ** places;
  return Math.round(value * scale) / scale;
}
