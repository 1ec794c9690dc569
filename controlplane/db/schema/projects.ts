import { jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";

export const projects = pgTable(
  "projects",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    /** Free text shown with the project (modelux.ai's projects API has it). */
    description: text("description"),
    /** Validated by the project settings schema in shared/snapshot (auto_resolve_bare_model, …). */
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (table) => [uniqueIndex("projects_org_slug_unique").on(table.org_id, table.slug)],
);

export type ProjectRow = typeof projects.$inferSelect;
