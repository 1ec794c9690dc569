// Webhook deliveries: one row per (event, endpoint) in the outbox, with its attempts.
import * as v from "valibot";
import {
  idSchema,
  nullableTimestamp,
  paginationEntries,
  timestampSchema,
} from "../../api/schemas.ts";
import { webhookParams } from "../webhooks/model.ts";

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;

export const deliveryView = v.object({
  id: idSchema("The delivery's id."),
  webhook_id: v.string(),
  event_id: v.pipe(v.string(), v.description("Also the webhook-id header; same on a replay.")),
  event_type: v.string(),
  status: v.picklist(DELIVERY_STATUSES),
  attempts: v.number(),
  next_attempt_at: v.pipe(nullableTimestamp, v.description("Set while pending.")),
  last_attempt_at: nullableTimestamp,
  last_status_code: v.nullable(v.number()),
  last_error: v.nullable(v.string()),
  delivered_at: nullableTimestamp,
  replay_of: v.nullable(v.string()),
  created_at: timestampSchema,
});

export const deliveryDetailView = v.object({
  ...deliveryView.entries,
  payload: v.pipe(v.record(v.string(), v.unknown()), v.description("The event as sent.")),
  last_response_body: v.pipe(
    v.nullable(v.string()),
    v.description(
      "Always null: what a receiver answers is not kept or shown (last_error has its category).",
    ),
  ),
});

export const deliveryParams = v.object({
  ...webhookParams.entries,
  delivery_id: idSchema("The delivery's id."),
});

export const listDeliveriesQuery = v.object({
  ...paginationEntries,
  status: v.optional(v.picklist(DELIVERY_STATUSES)),
  event_type: v.optional(v.string()),
});

/** modelux.ai's org-wide delivery list: any endpoint's, or `endpoint_id`'s. */
export const listOrgDeliveriesQuery = v.object({
  ...listDeliveriesQuery.entries,
  endpoint_id: v.optional(idSchema("Only this endpoint's deliveries.")),
});

export const orgDeliveryParams = v.object({ delivery_id: idSchema("The delivery's id.") });
