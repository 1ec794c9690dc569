import { integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestampColumn, timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";
import { projects } from "./projects.ts";

/** A named routing config of a project (`model: "@slug"`); its content lives in versions. */
export const routingConfigs = pgTable(
  "routing_configs",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    project_id: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    description: text("description"),
    /** The version data planes serve; rollback points it at an older one. */
    current_version: integer("current_version").notNull(),
    deleted_at: timestampColumn("deleted_at"),
    ...timestamps,
  },
  (table) => [uniqueIndex("routing_configs_project_slug_unique").on(table.project_id, table.slug)],
);

export type RoutingConfigRow = typeof routingConfigs.$inferSelect;
