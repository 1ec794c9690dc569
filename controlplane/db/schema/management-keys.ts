import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, timestampColumn } from "./columns.ts";
import { memberRole, members } from "./members.ts";
import { orgs } from "./orgs.ts";

/** Management API keys (`mlx_mk_…`), acting with a role inside one org. */
export const managementKeys = pgTable(
  "management_keys",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    member_id: text("member_id").references(() => members.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    role: memberRole("role").notNull(),
    key_hash: text("key_hash").notNull().unique(),
    key_prefix: text("key_prefix").notNull(),
    /** Requests per minute; null means the MODELUX_MANAGEMENT_RPM default. */
    rpm_limit: integer("rpm_limit"),
    expires_at: timestampColumn("expires_at"),
    revoked_at: timestampColumn("revoked_at"),
    last_used_at: timestampColumn("last_used_at"),
    created_at: createdAt(),
  },
  (table) => [index("management_keys_org_idx").on(table.org_id)],
);

export type ManagementKeyRow = typeof managementKeys.$inferSelect;
