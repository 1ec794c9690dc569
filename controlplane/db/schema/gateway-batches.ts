import { index, integer, jsonb, numeric, pgTable, text } from "drizzle-orm/pg-core";
import { timestampColumn, timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";
import { projects } from "./projects.ts";

/**
 * A batch the gateway runs itself (issue 17 §3, docs/batches-and-files.md): its lines go through
 * the full pipeline one by one, in the control plane's batch worker. The lines are
 * `gateway_batch_lines`; counts are read from them, never kept twice.
 */
export const gatewayBatches = pgTable(
  "gateway_batches",
  {
    /** `batch_mlx_…` (OpenAI surface) or `msgbatch_mlx_…` (Anthropic surface). */
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    project_id: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** The API key the batch was created with: every line runs as it. */
    key_id: text("key_id").notNull(),
    surface: text("surface").$type<"openai" | "anthropic">().notNull(),
    /** The endpoint each line is sent to on its surface (`/v1/chat/completions`, `/v1/messages`). */
    endpoint: text("endpoint").notNull(),
    /**
     * `staging` while its lines are being stored (invisible, not run; controlplane/batches/
     * store.ts), then `in_progress`, `cancelling`, `ended`.
     */
    status: text("status").$type<"staging" | "in_progress" | "cancelling" | "ended">().notNull(),
    /** Why it ended: every line done, cancelled, its window passed, its spend cap reached. */
    end_reason: text("end_reason").$type<"completed" | "cancelled" | "expired" | "spend_cap">(),
    /** Why the gateway runs it rather than a vendor (a line names an @config, …). */
    reason: text("reason").notNull(),
    input_file_id: text("input_file_id"),
    metadata: jsonb("metadata").$type<Record<string, string>>(),
    /** Lines not finished by then are `expired`; the worker paces itself to finish before. */
    deadline_at: timestampColumn("deadline_at"),
    spend_cap_usd: numeric("spend_cap_usd", { precision: 20, scale: 10, mode: "number" }),
    total_lines: integer("total_lines").notNull(),
    /** The worker that runs it and until when (a crashed worker's batch is taken over after). */
    lease_owner: text("lease_owner"),
    lease_until: timestampColumn("lease_until"),
    cancel_requested_at: timestampColumn("cancel_requested_at"),
    ended_at: timestampColumn("ended_at"),
    ...timestamps,
  },
  (table) => [
    index("gateway_batches_project_idx").on(table.project_id, table.created_at),
    index("gateway_batches_status_idx").on(table.status),
  ],
);

export type GatewayBatchRow = typeof gatewayBatches.$inferSelect;
