// Operations on webhook deliveries: list, detail, replay; per endpoint, and across the org's
// endpoints as modelux.ai publishes them (`/webhooks/deliveries…`, docs/compatibility.md).

import type { AuditEntry } from "../../api/operation.ts";
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import type { Tenant } from "../../db/tenant.ts";
import { webhookParams } from "../webhooks/model.ts";
import { getWebhook } from "../webhooks/service.ts";
import {
  deliveryDetailView,
  deliveryParams,
  deliveryView,
  listDeliveriesQuery,
  listOrgDeliveriesQuery,
  orgDeliveryParams,
} from "./model.ts";
import {
  findOrgDelivery,
  getDelivery,
  listDeliveries,
  listOrgDeliveries,
  replayDelivery,
  viewDelivery,
  viewDeliveryDetail,
} from "./service.ts";

const tag = "webhooks";

export const webhookDeliveryOperations = [
  defineListOperation({
    id: "list_webhook_deliveries",
    method: "GET",
    path: "/webhooks/{webhook_id}/deliveries",
    summary: "List an endpoint's deliveries, newest first",
    tag,
    role: "viewer",
    params: webhookParams,
    query: listDeliveriesQuery,
    output: deliveryView,
    handler: async ({ tenant }, { params, query }) =>
      listDeliveries(tenant, await getWebhook(tenant, params.webhook_id), query),
  }),
  defineOperation({
    id: "get_webhook_delivery",
    method: "GET",
    path: "/webhooks/{webhook_id}/deliveries/{delivery_id}",
    summary: "Get a delivery with its payload and the receiver's last answer",
    tag,
    role: "viewer",
    params: deliveryParams,
    output: deliveryDetailView,
    handler: async ({ tenant }, { params }) => {
      const webhook = await getWebhook(tenant, params.webhook_id);
      return viewDeliveryDetail(await getDelivery(tenant, webhook, params.delivery_id));
    },
  }),
  defineOperation({
    id: "replay_webhook_delivery",
    method: "POST",
    path: "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    summary: "Send a delivery's event again",
    description:
      "Queues a new delivery of the same event (same event id and webhook-id header), " +
      "whatever the original's status.",
    tag,
    role: "admin",
    status: 202,
    params: deliveryParams,
    output: deliveryView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const webhook = await getWebhook(tenant, params.webhook_id);
        const original = await getDelivery(tenant, webhook, params.delivery_id);
        return replayAndAudit(tenant, audit, webhook, original);
      }),
  }),
  defineListOperation({
    id: "list_org_webhook_deliveries",
    method: "GET",
    path: "/webhooks/deliveries",
    summary: "List deliveries across the org's endpoints, newest first",
    tag,
    role: "viewer",
    query: listOrgDeliveriesQuery,
    output: deliveryView,
    handler: ({ tenant }, { query }) => listOrgDeliveries(tenant, query),
  }),
  defineOperation({
    id: "get_org_webhook_delivery",
    method: "GET",
    path: "/webhooks/deliveries/{delivery_id}",
    summary: "Get a delivery by its id alone, with its payload",
    tag,
    role: "viewer",
    params: orgDeliveryParams,
    output: deliveryDetailView,
    handler: async ({ tenant }, { params }) =>
      viewDeliveryDetail((await findOrgDelivery(tenant, params.delivery_id)).delivery),
  }),
  defineOperation({
    id: "replay_org_webhook_delivery",
    method: "POST",
    path: "/webhooks/deliveries/{delivery_id}/replay",
    summary: "Send a delivery's event again, the delivery named by its id alone",
    tag,
    role: "admin",
    status: 202,
    params: orgDeliveryParams,
    output: deliveryView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const { webhook, delivery } = await findOrgDelivery(tenant, params.delivery_id);
        return replayAndAudit(tenant, audit, webhook, delivery);
      }),
  }),
];

async function replayAndAudit(
  tenant: Tenant,
  audit: (entry: AuditEntry) => Promise<void>,
  webhook: Parameters<typeof replayDelivery>[1],
  original: Parameters<typeof replayDelivery>[2],
) {
  const after = viewDelivery(await replayDelivery(tenant, webhook, original));
  await audit({
    action: "webhook_delivery.replayed",
    resource_type: "webhook_delivery",
    resource_id: after.id,
    after,
  });
  return after;
}
