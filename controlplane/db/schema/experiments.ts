import { index, integer, jsonb, numeric, pgTable, real, text } from "drizzle-orm/pg-core";
import { timestampColumn, timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";
import { projects } from "./projects.ts";

/** A replay of historical traffic against a candidate routing config (DESIGN §9). */
export const experiments = pgTable(
  "experiments",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    project_id: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    status: text("status")
      .$type<"queued" | "running" | "completed" | "failed" | "cancelled">()
      .notNull()
      .default("queued"),
    mode: text("mode").$type<"routing_only" | "with_responses">().notNull(),
    baseline_config: text("baseline_config").notNull(),
    candidate_config: jsonb("candidate_config").$type<unknown>().notNull(),
    window_start: timestampColumn("window_start").notNull(),
    window_end: timestampColumn("window_end").notNull(),
    filters: jsonb("filters").$type<Record<string, unknown>>().notNull().default({}),
    sample_size: integer("sample_size"),
    spend_cap_usd: numeric("spend_cap_usd", { precision: 20, scale: 10, mode: "number" }),
    hypothesis: text("hypothesis"),
    success_criteria: jsonb("success_criteria").$type<Record<string, unknown>>(),
    progress: real("progress").notNull().default(0),
    baseline_summary: jsonb("baseline_summary").$type<Record<string, unknown>>(),
    candidate_summary: jsonb("candidate_summary").$type<Record<string, unknown>>(),
    verdict: text("verdict").$type<"pass" | "fail" | "inconclusive">(),
    error: text("error"),
    created_by: text("created_by"),
    started_at: timestampColumn("started_at"),
    completed_at: timestampColumn("completed_at"),
    ...timestamps,
  },
  (table) => [index("experiments_project_idx").on(table.project_id, table.created_at)],
);

export type ExperimentRow = typeof experiments.$inferSelect;
