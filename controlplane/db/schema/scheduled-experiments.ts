import { boolean, index, integer, jsonb, numeric, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, timestampColumn, timestamps } from "./columns.ts";
import { experiments } from "./experiments.ts";
import { orgs } from "./orgs.ts";
import { projects } from "./projects.ts";

/**
 * An experiment replayed on a cron over the last `window_hours` of traffic
 * (docs/experiments.md#scheduled-experiments). `next_run_at` is the scheduler's state: a due row
 * is claimed with FOR UPDATE SKIP LOCKED and moved on in the same transaction, so one control
 * plane runs each fire and a restart loses none. An open regression (`regression_*`) is the
 * failing run that sent experiment.regression_detected; it closes when a run passes.
 */
export const scheduledExperiments = pgTable(
  "scheduled_experiments",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    project_id: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    status: text("status").$type<"active" | "paused">().notNull().default("active"),
    cron_expression: text("cron_expression").notNull(),
    window_hours: integer("window_hours").notNull(),
    mode: text("mode").$type<"routing_only" | "with_responses">().notNull(),
    baseline_config: text("baseline_config").notNull(),
    candidate_config: jsonb("candidate_config").$type<unknown>().notNull(),
    filters: jsonb("filters").$type<Record<string, unknown>>().notNull().default({}),
    sample_size: integer("sample_size"),
    spend_cap_usd: numeric("spend_cap_usd", { precision: 20, scale: 10, mode: "number" }),
    response_comparison: jsonb("response_comparison").$type<Record<string, unknown>>(),
    hypothesis: text("hypothesis"),
    success_criteria: jsonb("success_criteria").$type<Record<string, unknown>>().notNull(),
    /** Null while paused. */
    next_run_at: timestampColumn("next_run_at"),
    last_run_id: text("last_run_id"),
    last_run_at: timestampColumn("last_run_at"),
    last_verdict: text("last_verdict").$type<"pass" | "fail" | "inconclusive">(),
    regression_signal_key: text("regression_signal_key"),
    regression_run_id: text("regression_run_id"),
    regression_detected_at: timestampColumn("regression_detected_at"),
    created_by: text("created_by"),
    ...timestamps,
  },
  (table) => [
    index("scheduled_experiments_due_idx").on(table.status, table.next_run_at),
    index("scheduled_experiments_project_idx").on(table.project_id, table.created_at),
  ],
);

export type ScheduledExperimentRow = typeof scheduledExperiments.$inferSelect;

/**
 * One run of a scheduled experiment: the experiment it queued (its summaries live there) and,
 * once it ended, its verdict, diff and criteria. `queued` until the runner records the outcome;
 * `skipped` when the previous run had not finished at the fire.
 */
export const scheduledExperimentRuns = pgTable(
  "scheduled_experiment_runs",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    scheduled_experiment_id: text("scheduled_experiment_id")
      .notNull()
      .references(() => scheduledExperiments.id, { onDelete: "cascade" }),
    experiment_id: text("experiment_id").references(() => experiments.id, {
      onDelete: "set null",
    }),
    trigger: text("trigger").$type<"schedule" | "manual">().notNull(),
    status: text("status")
      .$type<"queued" | "completed" | "failed" | "skipped">()
      .notNull()
      .default("queued"),
    scheduled_for: timestampColumn("scheduled_for").notNull(),
    window_start: timestampColumn("window_start").notNull(),
    window_end: timestampColumn("window_end").notNull(),
    verdict: text("verdict").$type<"pass" | "fail" | "inconclusive">(),
    comparison: jsonb("comparison").$type<Record<string, unknown>>(),
    criteria: jsonb("criteria").$type<Record<string, unknown>>(),
    regression_detected: boolean("regression_detected").notNull().default(false),
    signal_key: text("signal_key"),
    error: text("error"),
    created_at: createdAt(),
    completed_at: timestampColumn("completed_at"),
  },
  (table) => [
    index("scheduled_experiment_runs_schedule_idx").on(table.scheduled_experiment_id, table.id),
    index("scheduled_experiment_runs_experiment_idx").on(table.experiment_id),
  ],
);

export type ScheduledExperimentRunRow = typeof scheduledExperimentRuns.$inferSelect;
