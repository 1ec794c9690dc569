import { integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";
import { routingConfigs } from "./routing-configs.ts";

/** Every save of a routing config is a new, immutable version. */
export const routingConfigVersions = pgTable(
  "routing_config_versions",
  {
    id: text("id").primaryKey(),
    routing_config_id: text("routing_config_id")
      .notNull()
      .references(() => routingConfigs.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    config: jsonb("config").$type<Record<string, unknown>>().notNull(),
    message: text("message"),
    created_by: text("created_by"),
    created_at: createdAt(),
  },
  (table) => [
    uniqueIndex("routing_config_versions_config_version_unique").on(
      table.routing_config_id,
      table.version,
    ),
  ],
);

export type RoutingConfigVersionRow = typeof routingConfigVersions.$inferSelect;
