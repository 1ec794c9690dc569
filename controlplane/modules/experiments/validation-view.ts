// A promotion's prediction checked against what the promoted version served, as get_experiment,
// the experiment.validated webhook and the prediction-accuracy report show it
// (docs/experiments.md, "Prediction checked against reality").
import * as v from "valibot";
import { iso, isoRequired, nullableTimestamp, timestampSchema } from "../../api/schemas.ts";
import { type ExperimentValidationRow, VALIDATION_STATUSES } from "../../db/schema/index.ts";

const figure = (what: string) => v.pipe(v.nullable(v.number()), v.description(what));

const figures = {
  cost_usd_per_request: figure("USD per request (all requests, failed ones too)."),
  p50_latency_ms: figure("Median latency of the successful requests, ms."),
  p95_latency_ms: figure("95th percentile latency of the successful requests, ms."),
  error_rate: figure("Requests with status ≥ 400 per request, 0 to 1."),
};

export const predictedView = v.object({
  ...figures,
  requests: v.pipe(v.number(), v.description("Requests the replay covered.")),
  window_start: v.pipe(timestampSchema, v.description("The replayed window's start.")),
  window_end: v.pipe(timestampSchema, v.description("The replayed window's end.")),
});

export const actualView = v.object({
  ...figures,
  requests: v.pipe(v.number(), v.description("Requests the promoted version served.")),
  errors: v.number(),
  cost_usd: v.number(),
  window_start: v.pipe(timestampSchema, v.description("The measured window's start.")),
  window_end: v.pipe(timestampSchema, v.description("The measured window's end.")),
});

export const metricErrorView = v.object({
  predicted: v.nullable(v.number()),
  actual: v.nullable(v.number()),
  absolute_error: v.pipe(v.nullable(v.number()), v.description("actual − predicted.")),
  relative_error: v.pipe(
    v.nullable(v.number()),
    v.description(
      "(actual − predicted) / predicted: 0.25 is 25 % above the prediction. Null when a figure " +
        "is missing or the prediction was 0 and the actual was not; 0 when both were 0.",
    ),
  ),
});

export const predictionErrorsView = v.object({
  cost_usd_per_request: metricErrorView,
  p50_latency_ms: metricErrorView,
  p95_latency_ms: metricErrorView,
  error_rate: metricErrorView,
});

export const validationView = v.pipe(
  v.object({
    id: v.string(),
    status: v.pipe(
      v.picklist(VALIDATION_STATUSES),
      v.description(
        "pending (the comparable window has not closed, or too few requests so far), validated, " +
          "insufficient_data (too few requests by the deadline) or superseded (a later version " +
          "replaced it before it served enough).",
      ),
    ),
    routing_config_id: v.string(),
    config_slug: v.string(),
    version: v.pipe(v.number(), v.description("The promoted version.")),
    promoted_at: timestampSchema,
    window_end: v.pipe(
      timestampSchema,
      v.description("promoted_at plus the replayed window's length (at most 7 days)."),
    ),
    deadline_at: v.pipe(
      timestampSchema,
      v.description("Still too few requests by then: insufficient_data."),
    ),
    min_requests: v.pipe(v.number(), v.description("The fewest requests a measurement needs.")),
    filters: v.pipe(
      v.record(v.string(), v.unknown()),
      v.description("The experiment's end_user and tags filters, applied to the measurement."),
    ),
    predicted: predictedView,
    actual: v.nullable(actualView),
    errors: v.nullable(predictionErrorsView),
    superseded_at: nullableTimestamp,
    completed_at: nullableTimestamp,
  }),
  v.description("The promotion's prediction checked against what the promoted version served."),
);
export type ValidationView = v.InferOutput<typeof validationView>;

export function viewValidation(row: ExperimentValidationRow): ValidationView {
  return {
    id: row.id,
    status: row.status,
    routing_config_id: row.routing_config_id,
    config_slug: row.config_slug,
    version: row.config_version,
    promoted_at: isoRequired(row.promoted_at),
    window_end: isoRequired(row.window_end),
    deadline_at: isoRequired(row.deadline_at),
    min_requests: row.min_requests,
    filters: row.filters,
    predicted: row.predicted as ValidationView["predicted"],
    actual: (row.actual ?? null) as ValidationView["actual"],
    errors: (row.errors ?? null) as ValidationView["errors"],
    superseded_at: iso(row.superseded_at),
    completed_at: iso(row.completed_at),
  };
}
