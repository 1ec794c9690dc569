import { bigint, pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "./columns.ts";

/** Highest spend-delta sequence applied per data-plane node: deltas are applied once. */
export const spendNodeCursors = pgTable("spend_node_cursors", {
  node_id: text("node_id").primaryKey(),
  last_seq: bigint("last_seq", { mode: "number" }).notNull(),
  updated_at: timestampColumn("updated_at").notNull().defaultNow(),
});
