import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, timestampColumn } from "./columns.ts";
import { orgs } from "./orgs.ts";
import { projects } from "./projects.ts";

/** Proxy keys (`mlx_sk_…`): shown once, stored only as SHA-256. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    project_id: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    key_hash: text("key_hash").notNull().unique(),
    key_prefix: text("key_prefix").notNull(),
    rpm_limit: integer("rpm_limit"),
    /** Tokens per minute (docs/limits.md); null: the project's default, if any. */
    tpm_limit: integer("tpm_limit"),
    expires_at: timestampColumn("expires_at"),
    revoked_at: timestampColumn("revoked_at"),
    last_used_at: timestampColumn("last_used_at"),
    created_by: text("created_by"),
    created_at: createdAt(),
  },
  (table) => [index("api_keys_project_idx").on(table.project_id)],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
