// Deliveries of one endpoint, found through the tenant: a delivery is reached by its endpoint.
import { and, eq, inArray } from "drizzle-orm";
import { notFound } from "../../api/errors.ts";
import { iso, isoRequired, listPage } from "../../api/schemas.ts";
import {
  type WebhookDeliveryRow,
  type WebhookRow,
  webhookDeliveries,
  webhooks,
} from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { insertDeliveries, type WebhookEnvelope } from "../../webhooks/enqueue.ts";

export const viewDelivery = (row: WebhookDeliveryRow) => ({
  id: row.id,
  webhook_id: row.webhook_id,
  event_id: row.event_id,
  event_type: row.event_type,
  status: row.status,
  attempts: row.attempts,
  next_attempt_at: row.status === "pending" ? iso(row.next_attempt_at) : null,
  last_attempt_at: iso(row.last_attempt_at),
  last_status_code: row.last_status_code,
  last_error: row.last_error,
  delivered_at: iso(row.delivered_at),
  replay_of: row.replay_of,
  created_at: isoRequired(row.created_at),
});

export const viewDeliveryDetail = (row: WebhookDeliveryRow) => ({
  ...viewDelivery(row),
  payload: row.payload,
  // Never shown: a receiver's answer could be an internal service's (rows from before the
  // egress policy may still hold one).
  last_response_body: null,
});

export async function listDeliveries(
  tenant: Tenant,
  webhook: WebhookRow,
  query: {
    limit?: number;
    cursor?: string;
    status?: WebhookDeliveryRow["status"];
    event_type?: string;
  },
) {
  return listPage(
    tenant.db,
    webhookDeliveries,
    query,
    [
      eq(webhookDeliveries.webhook_id, webhook.id),
      query.status ? eq(webhookDeliveries.status, query.status) : undefined,
      query.event_type ? eq(webhookDeliveries.event_type, query.event_type) : undefined,
    ],
    viewDelivery,
  );
}

export async function getDelivery(tenant: Tenant, webhook: WebhookRow, deliveryId: string) {
  const [row] = await tenant.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhook_id, webhook.id), eq(webhookDeliveries.id, deliveryId)));
  if (!row) throw notFound("webhook_delivery", deliveryId);
  return row;
}

/** A new delivery of the same event (same event id, so receivers can tell it is a repeat). */
export async function replayDelivery(
  tenant: Tenant,
  webhook: WebhookRow,
  original: WebhookDeliveryRow,
) {
  const [id] = await insertDeliveries(
    tenant.db,
    [webhook.id],
    original.payload as unknown as WebhookEnvelope,
    original.id,
  );
  return getDelivery(tenant, webhook, id ?? "");
}

const TEST_DELIVERY_HANDOFF_MS = 60_000;

export async function insertTestDelivery(
  tenant: Tenant,
  webhook: WebhookRow,
  envelope: WebhookEnvelope,
) {
  // The test operation delivers this row itself, at once. Until then the poller must not take
  // it (it would, being due, and the operation would report a delivery still in flight); if
  // the process dies first, the row comes due a minute later and is delivered all the same.
  const handOff = new Date(Date.now() + TEST_DELIVERY_HANDOFF_MS);
  const [id] = await insertDeliveries(tenant.db, [webhook.id], envelope, undefined, handOff);
  return id ?? "";
}

/**
 * Deliveries across the org's endpoints (modelux.ai's `GET /webhooks/deliveries`), newest first;
 * `endpoint_id` narrows to one endpoint, found through the tenant like every other.
 */
export async function listOrgDeliveries(
  tenant: Tenant,
  query: {
    limit?: number;
    cursor?: string;
    endpoint_id?: string;
    status?: WebhookDeliveryRow["status"];
    event_type?: string;
  },
) {
  const endpointIds = query.endpoint_id
    ? [(await tenant.find(webhooks, query.endpoint_id))?.id ?? ""]
    : (await tenant.rows(webhooks)).map((row) => row.id);
  if (query.endpoint_id && endpointIds[0] === "") throw notFound("webhook", query.endpoint_id);
  if (endpointIds.length === 0) return { data: [], next_cursor: null };
  return listPage(
    tenant.db,
    webhookDeliveries,
    query,
    [
      inArray(webhookDeliveries.webhook_id, endpointIds),
      query.status ? eq(webhookDeliveries.status, query.status) : undefined,
      query.event_type ? eq(webhookDeliveries.event_type, query.event_type) : undefined,
    ],
    viewDelivery,
  );
}

/** One of the org's deliveries by its id alone, with its endpoint; another org's is not found. */
export async function findOrgDelivery(tenant: Tenant, deliveryId: string) {
  const [row] = await tenant.db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, deliveryId));
  const webhook = row ? await tenant.find(webhooks, row.webhook_id) : undefined;
  if (!row || !webhook) throw notFound("webhook_delivery", deliveryId);
  return { webhook, delivery: row };
}
