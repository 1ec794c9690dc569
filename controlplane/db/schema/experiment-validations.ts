import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestampColumn, timestamps } from "./columns.ts";
import { experiments } from "./experiments.ts";
import { orgs } from "./orgs.ts";

export const VALIDATION_STATUSES = [
  "pending",
  "validated",
  "insufficient_data",
  "superseded",
] as const;
export type ValidationStatus = (typeof VALIDATION_STATUSES)[number];

/**
 * A promoted experiment's prediction and, once the promoted version has served a comparable
 * window, what it actually did (docs/experiments.md, "Prediction checked against reality"). One
 * row per promotion: the routing config version it made.
 */
export const experimentValidations = pgTable(
  "experiment_validations",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    experiment_id: text("experiment_id")
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    project_id: text("project_id").notNull(),
    /** Not a foreign key: the record outlives a deleted config. */
    routing_config_id: text("routing_config_id").notNull(),
    config_slug: text("config_slug").notNull(),
    config_version: integer("config_version").notNull(),
    promoted_at: timestampColumn("promoted_at").notNull(),
    /** The comparable window's length: the replayed window's, at most a week. */
    window_ms: integer("window_ms").notNull(),
    /** promoted_at + window_ms: when the comparable window closes. */
    window_end: timestampColumn("window_end").notNull(),
    /** After this, a version that served too few requests is `insufficient_data`. */
    deadline_at: timestampColumn("deadline_at").notNull(),
    /** The fewest requests a measurement needs. */
    min_requests: integer("min_requests").notNull(),
    /** The replay's figures for the candidate (prediction.ts `Prediction`). */
    predicted: jsonb("predicted").$type<Record<string, unknown>>().notNull(),
    /** The experiment's end-user and tag filters, applied to the measurement too. */
    filters: jsonb("filters").$type<Record<string, unknown>>().notNull().default({}),
    status: text("status").$type<ValidationStatus>().notNull().default("pending"),
    /** What the promoted version served (measure.ts `Actual`), once measured. */
    actual: jsonb("actual").$type<Record<string, unknown>>(),
    /** Per metric: predicted, actual, absolute and relative error. */
    errors: jsonb("errors").$type<Record<string, unknown>>(),
    /** When a later version (or a deletion) replaced the promoted one, if it did. */
    superseded_at: timestampColumn("superseded_at"),
    /** When the row left `pending`. */
    completed_at: timestampColumn("completed_at"),
    ...timestamps,
  },
  (table) => [
    uniqueIndex("experiment_validations_config_version_unique").on(
      table.routing_config_id,
      table.config_version,
    ),
    index("experiment_validations_pending_idx").on(table.status, table.window_end),
    index("experiment_validations_experiment_idx").on(table.experiment_id, table.created_at),
  ],
);

export type ExperimentValidationRow = typeof experimentValidations.$inferSelect;
