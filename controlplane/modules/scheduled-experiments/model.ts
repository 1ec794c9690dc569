// Scheduled experiments as the Management API shows them (docs/experiments.md#scheduled-experiments):
// an experiment's definition replayed on a cron over the last `window_hours` of traffic, and the
// history of its runs.
import * as v from "valibot";
import { STRATEGIES } from "#shared/routing/config-schema.ts";
import {
  idSchema,
  nameSchema,
  nullableTimestamp,
  paginationEntries,
  timestampSchema,
} from "../../api/schemas.ts";
import { successCriteriaSchema } from "../../experiments/criteria.ts";
import { CronError, parseCron } from "../../experiments/cron.ts";
import {
  MAX_RESPONSE_SAMPLE,
  responseComparisonSchema,
  responseComparisonView,
} from "../../experiments/response-comparison.ts";
import {
  candidateConfigSchema,
  comparisonView,
  criteriaResultView,
  EXPERIMENT_MODES,
  filtersSchema,
  VERDICTS,
} from "../experiments/model.ts";

export const SCHEDULE_STATUSES = ["active", "paused"] as const;
export const RUN_STATUSES = [
  "queued",
  "running",
  "completed",
  "failed",
  "cancelled",
  "skipped",
] as const;
export const RUN_TRIGGERS = ["schedule", "manual"] as const;

/** The longest window a run replays: what one experiment may cover (90 days). */
export const MAX_WINDOW_HOURS = 90 * 24;

/** What is wrong with a cron expression, or null. */
function cronProblem(expression: string): string | null {
  try {
    parseCron(expression);
    return null;
  } catch (error) {
    if (error instanceof CronError) return error.message;
    throw error;
  }
}

const cronSchema = v.pipe(
  v.string(),
  v.maxLength(200),
  v.check(
    (expression) => cronProblem(expression) === null,
    (issue) => cronProblem(String(issue.input)) ?? "is not a cron expression",
  ),
  v.description(
    "Five-field cron, in UTC: minute hour day-of-month month day-of-week (`0 9 * * *` is 09:00 " +
      "UTC daily); names (MON, JAN), ranges, steps and lists; @hourly, @daily, @weekly, " +
      "@monthly, @yearly. At most every 5 minutes.",
  ),
);

const windowHoursSchema = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(1),
  v.maxValue(MAX_WINDOW_HOURS),
  v.description(
    "Each run replays the traffic of this many hours before its fire time (the last N hours).",
  ),
);

const candidatePolicySchema = v.pipe(
  v.picklist(STRATEGIES, `must be one of ${STRATEGIES.join(", ")}`),
  v.description(
    "The candidate object's strategy, when the object leaves it out (modelux.ai's candidatePolicy).",
  ),
);

const modeSchema = v.pipe(
  v.picklist(EXPERIMENT_MODES, `must be one of ${EXPERIMENT_MODES.join(", ")}`),
  v.description(
    "routing_only (no provider calls) or with_responses (each run re-sends a sample and pays " +
      "for it, up to spend_cap_usd per run).",
  ),
);

const sampleSizeSchema = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(1),
  v.maxValue(50_000),
  v.description(
    `At most this many requests per run (with_responses: ${MAX_RESPONSE_SAMPLE} at most).`,
  ),
);

const spendCapSchema = v.pipe(
  v.number(),
  v.gtValue(0),
  v.description("with_responses (required there): the most one run may spend, in USD."),
);

const hypothesisSchema = v.pipe(v.string(), v.maxLength(2000));

const baselineSchema = v.pipe(
  v.string(),
  v.regex(/^@?[a-z0-9][a-z0-9_-]{0,62}$/, "must be a routing config slug"),
  v.description(
    'The slug of the routing config in production. Without it, the project\'s "default" ' +
      "config, or its only config.",
  ),
);

export const createScheduleBody = v.strictObject({
  name: nameSchema,
  project_id: idSchema("The project whose traffic is replayed."),
  baseline_config: v.optional(baselineSchema),
  candidate_config: candidateConfigSchema,
  candidate_policy: v.optional(candidatePolicySchema),
  cron_expression: cronSchema,
  window_hours: windowHoursSchema,
  filters: v.optional(filtersSchema),
  mode: v.optional(modeSchema, "routing_only"),
  sample_size: v.optional(sampleSizeSchema),
  spend_cap_usd: v.optional(spendCapSchema),
  response_comparison: v.optional(responseComparisonSchema),
  hypothesis: v.optional(hypothesisSchema),
  success_criteria: v.pipe(
    successCriteriaSchema,
    v.description(
      "Required: each run is judged by it (pass, fail, inconclusive); a fail opens a regression " +
        "and sends experiment.regression_detected.",
    ),
  ),
});
export type CreateSchedule = v.InferOutput<typeof createScheduleBody>;

export const updateScheduleBody = v.strictObject({
  name: v.optional(nameSchema),
  baseline_config: v.optional(baselineSchema),
  candidate_config: v.optional(candidateConfigSchema),
  candidate_policy: v.optional(candidatePolicySchema),
  cron_expression: v.optional(cronSchema),
  window_hours: v.optional(windowHoursSchema),
  filters: v.optional(filtersSchema),
  mode: v.optional(modeSchema),
  sample_size: v.optional(v.nullable(sampleSizeSchema)),
  spend_cap_usd: v.optional(v.nullable(spendCapSchema)),
  response_comparison: v.optional(v.nullable(responseComparisonSchema)),
  hypothesis: v.optional(v.nullable(hypothesisSchema)),
  success_criteria: v.optional(successCriteriaSchema),
});
export type UpdateSchedule = v.InferOutput<typeof updateScheduleBody>;

export const scheduleView = v.object({
  id: idSchema("The scheduled experiment's id."),
  project_id: v.string(),
  name: v.string(),
  status: v.pipe(
    v.picklist(SCHEDULE_STATUSES),
    v.description("active runs on its cron; paused does not (run_scheduled_experiment still can)."),
  ),
  cron_expression: v.string(),
  window_hours: v.number(),
  mode: v.picklist(EXPERIMENT_MODES),
  baseline_config: v.string(),
  candidate_config: v.union([v.string(), v.record(v.string(), v.unknown())]),
  filters: v.record(v.string(), v.unknown()),
  sample_size: v.nullable(v.number()),
  spend_cap_usd: v.nullable(v.number()),
  response_comparison: v.pipe(
    v.nullable(responseComparisonView),
    v.description("with_responses: the comparison settings, defaults filled in."),
  ),
  hypothesis: v.nullable(v.string()),
  success_criteria: v.record(v.string(), v.unknown()),
  next_run_at: v.pipe(nullableTimestamp, v.description("The next fire; null while paused.")),
  last_run_id: v.nullable(v.string()),
  last_run_at: nullableTimestamp,
  last_verdict: v.pipe(
    v.nullable(v.picklist(VERDICTS)),
    v.description("The verdict of the last run that ended with one."),
  ),
  regression: v.pipe(
    v.nullable(
      v.object({
        signal_key: v.string(),
        run_id: v.string(),
        detected_at: timestampSchema,
      }),
    ),
    v.description(
      "Open since a run failed its criteria (experiment.regression_detected was sent with this " +
        "signal_key); closed by the next run that passes.",
    ),
  ),
  created_by: v.nullable(v.string()),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type ScheduleView = v.InferOutput<typeof scheduleView>;

export const runView = v.object({
  id: idSchema("The run's id."),
  scheduled_experiment_id: v.string(),
  experiment_id: v.pipe(
    v.nullable(v.string()),
    v.description(
      "The experiment the run queued (get_experiment has its summaries); null when skipped or " +
        "when that experiment was deleted.",
    ),
  ),
  trigger: v.pipe(
    v.picklist(RUN_TRIGGERS),
    v.description("schedule (its cron fired) or manual (run_scheduled_experiment)."),
  ),
  status: v.picklist(RUN_STATUSES),
  scheduled_for: v.pipe(timestampSchema, v.description("The fire time; the window ends here.")),
  window_start: timestampSchema,
  window_end: timestampSchema,
  verdict: v.nullable(v.picklist(VERDICTS)),
  comparison: v.pipe(
    v.nullable(comparisonView),
    v.description("The cost, latency and error-rate deltas of the run (candidate − baseline)."),
  ),
  criteria: v.nullable(criteriaResultView),
  regression_detected: v.pipe(
    v.boolean(),
    v.description("This run opened a regression (experiment.regression_detected was sent)."),
  ),
  signal_key: v.pipe(
    v.nullable(v.string()),
    v.description("The open regression's key when this run failed its criteria."),
  ),
  error: v.nullable(v.string()),
  created_at: timestampSchema,
  completed_at: nullableTimestamp,
});
export type RunView = v.InferOutput<typeof runView>;

export const scheduleParams = v.object({
  scheduled_experiment_id: idSchema("The scheduled experiment's id."),
});

export const runParams = v.object({
  scheduled_experiment_id: idSchema("The scheduled experiment's id."),
  run_id: idSchema("The run's id."),
});

export const listSchedulesQuery = v.object({
  ...paginationEntries,
  project_id: v.optional(v.string()),
  status: v.optional(v.picklist(SCHEDULE_STATUSES)),
});

export const listRunsQuery = v.object({
  ...paginationEntries,
  verdict: v.optional(v.picklist(VERDICTS)),
});
