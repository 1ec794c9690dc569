import { index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";
import { orgs } from "./orgs.ts";

/** Every change: who, what, before/after, when. Rows are never updated. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    actor_type: text("actor_type").$type<"management_key" | "member" | "system">().notNull(),
    actor_id: text("actor_id"),
    action: text("action").notNull(),
    resource_type: text("resource_type").notNull(),
    resource_id: text("resource_id"),
    before: jsonb("before").$type<unknown>(),
    after: jsonb("after").$type<unknown>(),
    request_id: text("request_id"),
    created_at: createdAt(),
  },
  (table) => [
    index("audit_log_org_time_idx").on(table.org_id, table.created_at),
    index("audit_log_resource_idx").on(table.resource_type, table.resource_id),
  ],
);

export type AuditLogRow = typeof auditLog.$inferSelect;
