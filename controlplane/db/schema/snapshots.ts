import { integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";

/** Every config snapshot published to the fleet, kept so history can be replayed. */
export const snapshots = pgTable("snapshots", {
  version: integer("version").primaryKey(),
  schema_version: integer("schema_version").notNull(),
  sha256: text("sha256").notNull(),
  body: jsonb("body").$type<Record<string, unknown>>().notNull(),
  created_at: createdAt(),
});

export type SnapshotRow = typeof snapshots.$inferSelect;
