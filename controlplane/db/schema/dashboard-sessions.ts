import { index, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, timestampColumn } from "./columns.ts";
import { managementKeys } from "./management-keys.ts";
import { members } from "./members.ts";

/**
 * Dashboard sign-ins (docs/dashboard.md): an HTTP-only cookie carries the token, looked up by its
 * SHA-256 only. A session acts through a management key (and belongs to that key's org): the key signed in with, or for a member
 * a key linked to them made at sign-in and revoked at sign-out, so the role, rate limit, audit and
 * idempotency of the Management API apply to the dashboard unchanged.
 */
export const dashboardSessions = pgTable(
  "dashboard_sessions",
  {
    id: text("id").primaryKey(),
    token_hash: text("token_hash").notNull().unique(),
    management_key_id: text("management_key_id")
      .notNull()
      .references(() => managementKeys.id, { onDelete: "cascade" }),
    /** Set for a member's sign-in (email and password); null for a sign-in with a key. */
    member_id: text("member_id").references(() => members.id, { onDelete: "cascade" }),
    /** Sent back in X-CSRF-Token on every write made with the cookie. */
    csrf_token: text("csrf_token").notNull(),
    expires_at: timestampColumn("expires_at").notNull(),
    created_at: createdAt(),
  },
  (table) => [index("dashboard_sessions_expires_idx").on(table.expires_at)],
);

export type DashboardSessionRow = typeof dashboardSessions.$inferSelect;
