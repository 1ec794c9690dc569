import { integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { createdAt } from "./columns.ts";
import { managementKeys } from "./management-keys.ts";

/**
 * Management API POSTs sent with an `Idempotency-Key`: the request's hash and, once answered,
 * the response, so a retry gets the same answer. Kept 24 h.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    management_key_id: text("management_key_id")
      .notNull()
      .references(() => managementKeys.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** SHA-256 over method, path and the canonical JSON body. */
    request_hash: text("request_hash").notNull(),
    /** Null while the first request is still running. */
    status_code: integer("status_code"),
    response: jsonb("response").$type<unknown>(),
    created_at: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.management_key_id, table.key] })],
);

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
