import {
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  text,
} from "drizzle-orm/pg-core";
import { timestampColumn, timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";
import { projects } from "./projects.ts";

export const budgetScope = pgEnum("budget_scope", [
  "org",
  "project",
  "route",
  "customer",
  "feature",
]);
export const budgetPeriod = pgEnum("budget_period", ["daily", "weekly", "monthly", "custom"]);
export const budgetAction = pgEnum("budget_action", ["block", "downgrade", "warn_only"]);
export const budgetFailMode = pgEnum("budget_fail_mode", ["open", "closed"]);

export const budgets = pgTable(
  "budgets",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    /** Null for org-wide budgets. */
    project_id: text("project_id").references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    scope_type: budgetScope("scope_type").notNull(),
    /** The slug, end user or `k=v` tag the scope names; null for org and project scopes. */
    scope_value: text("scope_value"),
    period: budgetPeriod("period").notNull(),
    /** Custom periods: length in seconds, counted from the anchor. */
    custom_period_seconds: integer("custom_period_seconds"),
    period_anchor: timestampColumn("period_anchor"),
    cap_usd: numeric("cap_usd", { precision: 20, scale: 10, mode: "number" }).notNull(),
    soft_thresholds: jsonb("soft_thresholds").$type<number[]>().notNull().default([0.8]),
    action: budgetAction("action").notNull().default("block"),
    downgrade_to: jsonb("downgrade_to").$type<unknown>(),
    fail_mode: budgetFailMode("fail_mode").notNull().default("open"),
    /** A node's view older than this counts as stale and the fail mode applies. */
    stale_after_ms: integer("stale_after_ms").notNull().default(30_000),
    /**
     * When an admin last reset the period's spend by hand (reset_budget_period): thresholds, the
     * cap and the forecast count from then until the period ends. Null: never.
     */
    spend_reset_at: timestampColumn("spend_reset_at"),
    enabled: boolean("enabled").notNull().default(true),
    ...timestamps,
  },
  (table) => [index("budgets_org_idx").on(table.org_id)],
);

export type BudgetRow = typeof budgets.$inferSelect;
