import { numeric, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { budgets } from "./budgets.ts";
import { timestampColumn } from "./columns.ts";

/** Fleet-wide spend of a budget in one period, summed from the nodes' deltas. */
export const budgetSpend = pgTable(
  "budget_spend",
  {
    budget_id: text("budget_id")
      .notNull()
      .references(() => budgets.id, { onDelete: "cascade" }),
    period_start: timestampColumn("period_start").notNull(),
    spend_usd: numeric("spend_usd", { precision: 20, scale: 10, mode: "number" })
      .notNull()
      .default(0),
    updated_at: timestampColumn("updated_at").notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.budget_id, table.period_start] })],
);

export type BudgetSpendRow = typeof budgetSpend.$inferSelect;
