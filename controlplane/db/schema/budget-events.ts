import { index, numeric, pgTable, real, text, uniqueIndex } from "drizzle-orm/pg-core";
import { budgets } from "./budgets.ts";
import { createdAt, timestampColumn } from "./columns.ts";

/**
 * Threshold crossings, cap hits and resets by hand; unique per budget, period, kind and threshold.
 * After a reset the period counts from the reset, so `period_start` is the reset's instant (for
 * the reset itself and every event after it in that period).
 */
export const budgetEvents = pgTable(
  "budget_events",
  {
    id: text("id").primaryKey(),
    budget_id: text("budget_id")
      .notNull()
      .references(() => budgets.id, { onDelete: "cascade" }),
    period_start: timestampColumn("period_start").notNull(),
    type: text("type").$type<"threshold_reached" | "exceeded" | "reset">().notNull(),
    /** The soft threshold crossed (0.8), 1 for the cap, 0 for a reset. */
    threshold: real("threshold").notNull(),
    /** The spend then (for a reset: what was forgotten). */
    spend_usd: numeric("spend_usd", { precision: 20, scale: 10, mode: "number" }).notNull(),
    created_at: createdAt(),
  },
  (table) => [
    uniqueIndex("budget_events_once_per_period").on(
      table.budget_id,
      table.period_start,
      table.type,
      table.threshold,
    ),
    index("budget_events_budget_idx").on(table.budget_id, table.created_at),
  ],
);

export type BudgetEventRow = typeof budgetEvents.$inferSelect;
