// Operations on webhook deliveries: list, detail, replay.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { webhookParams } from "../webhooks/model.ts";
import { getWebhook } from "../webhooks/service.ts";
import { deliveryDetailView, deliveryParams, deliveryView, listDeliveriesQuery } from "./model.ts";
import {
  getDelivery,
  listDeliveries,
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
        const after = viewDelivery(await replayDelivery(tenant, webhook, original));
        await audit({
          action: "webhook_delivery.replayed",
          resource_type: "webhook_delivery",
          resource_id: after.id,
          after,
        });
        return after;
      }),
  }),
];
