import { index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, timestampColumn } from "./columns.ts";
import { webhooks } from "./webhooks.ts";

/** The durable outbox: one row per (event, endpoint), retried with backoff until delivered. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    webhook_id: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event_id: text("event_id").notNull(),
    event_type: text("event_type").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<"pending" | "delivered" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    next_attempt_at: timestampColumn("next_attempt_at").notNull().defaultNow(),
    last_status_code: integer("last_status_code"),
    last_error: text("last_error"),
    /** The start of the receiver's answer to the last attempt, for people debugging it. */
    last_response_body: text("last_response_body"),
    last_attempt_at: timestampColumn("last_attempt_at"),
    /** Set on a manual replay: the delivery this one repeats. */
    replay_of: text("replay_of"),
    delivered_at: timestampColumn("delivered_at"),
    created_at: createdAt(),
  },
  (table) => [
    index("webhook_deliveries_due_idx").on(table.status, table.next_attempt_at),
    index("webhook_deliveries_webhook_idx").on(table.webhook_id, table.created_at),
  ],
);

export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
