import { index, integer, jsonb, numeric, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestampColumn } from "./columns.ts";
import { gatewayBatches } from "./gateway-batches.ts";
import { orgs } from "./orgs.ts";

/** An answered attempt of a claimed line (gateway_batch_lines.kept_answer). */
export interface KeptAnswer {
  /** The attempt it answered (the line's `attempts` when it was sent). */
  attempt: number;
  request_id: string;
  status_code: number;
  cost_usd: number;
  /** The answer's body as the batch plane read it (JSON text, as the surface sent it). */
  answer: string;
}

export type LineStatus = "pending" | "claimed" | "succeeded" | "errored" | "canceled" | "expired";

/**
 * One request of a gateway-run batch and, once done, its result. A line is `claimed` (in the
 * same statement its attempt count goes up) before its call and gets its result, status and the
 * data plane's request id in one update, so a restart finds exactly the lines whose call may
 * have happened without a result kept: those still `claimed`.
 */
export const gatewayBatchLines = pgTable(
  "gateway_batch_lines",
  {
    /** `<batch id>:<line index>`. */
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    batch_id: text("batch_id")
      .notNull()
      .references(() => gatewayBatches.id, { onDelete: "cascade" }),
    line_index: integer("line_index").notNull(),
    custom_id: text("custom_id").notNull(),
    /** The request body as the client wrote it (the surface's shape). */
    body: jsonb("body").$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<LineStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** Not sent again before this instant (a retry's back-off). */
    not_before: timestampColumn("not_before"),
    claimed_at: timestampColumn("claimed_at"),
    /** The data plane's request id of the attempt that gave the result. */
    request_id: text("request_id"),
    status_code: integer("status_code"),
    /** The answer's body (succeeded and errored lines), in the surface's shape. */
    response: jsonb("response").$type<unknown>(),
    /** Why the line has no answer (canceled, expired, lost in a restart). */
    error: jsonb("error").$type<{ code: string; message: string }>(),
    cost_usd: numeric("cost_usd", { precision: 20, scale: 10, mode: "number" }),
    finished_at: timestampColumn("finished_at"),
    /**
     * The answer of an attempt of this line that was answered while the line stayed claimed (its
     * worker died before recording it), copied here by the trace ingester from the request-log
     * row the batch plane wrote ahead with it (controlplane/batches/kept-answers.ts), so the
     * worker that takes the batch over restores the line's result. Cleared once the line moves on.
     */
    kept_answer: jsonb("kept_answer").$type<KeptAnswer>(),
  },
  (table) => [
    index("gateway_batch_lines_batch_idx").on(table.batch_id, table.status, table.line_index),
    // A custom_id once per batch, checked as lines are stored a chunk at a time: no process
    // holds a batch's ids to check them.
    uniqueIndex("gateway_batch_lines_custom_id_idx").on(table.batch_id, table.custom_id),
  ],
);

export type GatewayBatchLineRow = typeof gatewayBatchLines.$inferSelect;
