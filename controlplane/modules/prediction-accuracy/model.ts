// How far replay predictions were from reality across past promotions (docs/experiments.md,
// "Prediction checked against reality"): per metric the mean absolute percentage error, and one
// row per promotion.
import * as v from "valibot";
import { nullableTimestamp, timestampSchema } from "../../api/schemas.ts";
import { VALIDATION_STATUSES } from "../../db/schema/index.ts";
import { actualView, predictedView, predictionErrorsView } from "../experiments/validation-view.ts";

export const MAX_PROMOTION_ROWS = 500;

export const predictionAccuracyQuery = v.object({
  project_id: v.optional(v.pipe(v.string(), v.description("Only this project's promotions."))),
  config_slug: v.optional(
    v.pipe(v.string(), v.description("Only promotions of this routing config (slug, no @).")),
  ),
  start: v.optional(
    v.pipe(
      v.string(),
      v.isoTimestamp("must be an ISO 8601 timestamp"),
      v.description("Promotions at or after this instant."),
    ),
  ),
  end: v.optional(
    v.pipe(
      v.string(),
      v.isoTimestamp("must be an ISO 8601 timestamp"),
      v.description("Promotions before this instant."),
    ),
  ),
  limit: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(MAX_PROMOTION_ROWS),
      v.description(
        `Promotion rows listed, newest first, 1-${MAX_PROMOTION_ROWS} (default 100); the ` +
          "figures cover every matching promotion.",
      ),
    ),
  ),
});

const metricAccuracyView = v.object({
  count: v.pipe(
    v.number(),
    v.description("Validated promotions with a relative error for this metric."),
  ),
  mean_absolute_pct_error: v.pipe(
    v.nullable(v.number()),
    v.description("MAPE: the mean of |actual − predicted| / predicted, in percent."),
  ),
  mean_signed_pct_error: v.pipe(
    v.nullable(v.number()),
    v.description("The mean relative error in percent: positive when reality came out higher."),
  ),
  mean_absolute_error: v.pipe(
    v.nullable(v.number()),
    v.description("The mean |actual − predicted| in the metric's unit (error_rate: 0 to 1)."),
  ),
});

export const promotionAccuracyView = v.object({
  experiment_id: v.string(),
  experiment_name: v.nullable(v.string()),
  project_id: v.string(),
  routing_config_id: v.string(),
  config_slug: v.string(),
  version: v.number(),
  promoted_at: timestampSchema,
  status: v.picklist(VALIDATION_STATUSES),
  predicted: predictedView,
  actual: v.nullable(actualView),
  errors: v.nullable(predictionErrorsView),
  completed_at: nullableTimestamp,
});

export const predictionAccuracyView = v.object({
  metrics: v.object({
    cost_usd_per_request: metricAccuracyView,
    p50_latency_ms: metricAccuracyView,
    p95_latency_ms: metricAccuracyView,
    error_rate: metricAccuracyView,
  }),
  counts: v.pipe(
    v.object({
      total: v.number(),
      validated: v.number(),
      pending: v.number(),
      insufficient_data: v.number(),
      superseded: v.number(),
    }),
    v.description("Matching promotions by the state of their check."),
  ),
  promotions: v.pipe(
    v.array(promotionAccuracyView),
    v.description("One row per promotion, newest first."),
  ),
});
export type PredictionAccuracyView = v.InferOutput<typeof predictionAccuracyView>;
