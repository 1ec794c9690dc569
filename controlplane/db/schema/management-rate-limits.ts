import { integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { timestampColumn } from "./columns.ts";
import { managementKeys } from "./management-keys.ts";

/** Requests per management key per one-minute window, shared by every control plane. */
export const managementRateLimits = pgTable(
  "management_rate_limits",
  {
    management_key_id: text("management_key_id")
      .notNull()
      .references(() => managementKeys.id, { onDelete: "cascade" }),
    window_start: timestampColumn("window_start").notNull(),
    count: integer("count").notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.management_key_id, table.window_start] })],
);
