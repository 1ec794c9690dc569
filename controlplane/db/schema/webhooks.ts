import { boolean, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn, timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";

/** Webhook endpoints; secrets are encrypted like provider credentials. */
export const webhooks = pgTable("webhooks", {
  id: text("id").primaryKey(),
  org_id: text("org_id")
    .notNull()
    .references(() => orgs.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  description: text("description"),
  event_types: jsonb("event_types").$type<string[]>().notNull(),
  signing_secret_ciphertext: text("signing_secret_ciphertext").notNull(),
  /** After a rotation the old secret still signs for 24 h. */
  previous_secret_ciphertext: text("previous_secret_ciphertext"),
  previous_secret_expires_at: timestampColumn("previous_secret_expires_at"),
  enabled: boolean("enabled").notNull().default(true),
  ...timestamps,
});

export type WebhookRow = typeof webhooks.$inferSelect;
