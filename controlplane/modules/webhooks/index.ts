// Operations on webhook endpoints: CRUD, secret rotation, test, and the event type list.
import * as v from "valibot";
import { conflict } from "../../api/errors.ts";
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView } from "../../api/schemas.ts";
import { newEnvelope } from "../../webhooks/enqueue.ts";
import { WEBHOOK_EVENT_DESCRIPTIONS } from "../../webhooks/event-types.ts";
import { deliveryDetailView } from "../webhook-deliveries/model.ts";
import {
  getDelivery,
  insertTestDelivery,
  viewDeliveryDetail,
} from "../webhook-deliveries/service.ts";
import {
  activeAlias,
  createWebhookBody,
  ENDPOINT,
  ENDPOINTS,
  eventTypeView,
  listWebhooksQuery,
  testWebhookBody,
  updateWebhookBody,
  webhookParams,
  webhookView,
  webhookWithSecretView,
} from "./model.ts";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhooks,
  refuseUnreachableUrl,
  rotateWebhookSecret,
  updateWebhook,
  viewWebhook,
} from "./service.ts";

const tag = "webhooks";

export const webhookOperations = [
  defineOperation({
    id: "list_webhook_event_types",
    method: "GET",
    path: "/webhook-event-types",
    summary: "List the event types webhooks can subscribe to",
    aliases: { paths: ["/webhooks/event-types"] },
    tag,
    role: "viewer",
    output: v.array(eventTypeView),
    handler: async () =>
      Object.entries(WEBHOOK_EVENT_DESCRIPTIONS).map(([type, description]) => ({
        type,
        description,
      })),
  }),
  defineListOperation({
    id: "list_webhooks",
    method: "GET",
    path: "/webhooks",
    summary: "List webhook endpoints",
    aliases: { paths: [ENDPOINTS] },
    tag,
    role: "viewer",
    query: listWebhooksQuery,
    output: webhookView,
    handler: ({ tenant }, { query }) => listWebhooks(tenant, query),
  }),
  defineOperation({
    id: "get_webhook",
    method: "GET",
    path: "/webhooks/{webhook_id}",
    summary: "Get a webhook endpoint",
    aliases: { paths: [ENDPOINT] },
    tag,
    role: "viewer",
    params: webhookParams,
    output: webhookView,
    handler: async ({ tenant }, { params }) =>
      viewWebhook(await getWebhook(tenant, params.webhook_id)),
  }),
  defineOperation({
    id: "create_webhook",
    method: "POST",
    path: "/webhooks",
    summary: "Add a webhook endpoint",
    description:
      "The response holds signing_secret, this once. Deliveries are signed with it " +
      "(X-Modelux-Signature and Standard Webhooks headers) and retried with backoff for 24 h.",
    aliases: { paths: [ENDPOINTS], fields: activeAlias },
    tag,
    role: "admin",
    status: 201,
    body: createWebhookBody,
    output: webhookWithSecretView,
    handler: async ({ services, write }, { body }) => {
      await refuseUnreachableUrl(services.egress, body.url);
      return write(async ({ tenant, audit }) => {
        const { row, secret } = await createWebhook(tenant, services.secretBox, body);
        const after = viewWebhook(row);
        await audit({
          action: "webhook.created",
          resource_type: "webhook",
          resource_id: row.id,
          after,
        });
        return { ...after, signing_secret: secret };
      });
    },
  }),
  defineOperation({
    id: "update_webhook",
    method: "PATCH",
    path: "/webhooks/{webhook_id}",
    summary: "Change a webhook endpoint's URL, events, description or state",
    aliases: { paths: [ENDPOINT], fields: activeAlias },
    tag,
    role: "admin",
    params: webhookParams,
    body: updateWebhookBody,
    output: webhookView,
    handler: async ({ services, write }, { params, body }) => {
      await refuseUnreachableUrl(services.egress, body.url);
      return write(async ({ tenant, audit }) => {
        const existing = await getWebhook(tenant, params.webhook_id);
        const after = viewWebhook(await updateWebhook(tenant, existing, body));
        await audit({
          action: "webhook.updated",
          resource_type: "webhook",
          resource_id: existing.id,
          before: viewWebhook(existing),
          after,
        });
        return after;
      });
    },
  }),
  defineOperation({
    id: "delete_webhook",
    method: "DELETE",
    path: "/webhooks/{webhook_id}",
    summary: "Delete a webhook endpoint and its deliveries",
    aliases: { paths: [ENDPOINT] },
    tag,
    role: "admin",
    params: webhookParams,
    output: deletedView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getWebhook(tenant, params.webhook_id);
        await deleteWebhook(tenant, existing);
        await audit({
          action: "webhook.deleted",
          resource_type: "webhook",
          resource_id: existing.id,
          before: viewWebhook(existing),
        });
        return deleted(existing.id);
      }),
  }),
  defineOperation({
    id: "rotate_webhook_secret",
    method: "POST",
    path: "/webhooks/{webhook_id}/rotate-secret",
    summary: "Rotate an endpoint's signing secret",
    description:
      "Returns the new secret, this once. For 24 h deliveries carry signatures under both the " +
      "new and the old secret, so the receiver can switch without dropping any.",
    aliases: { paths: [`${ENDPOINT}/rotate-secret`] },
    tag,
    role: "admin",
    params: webhookParams,
    output: webhookWithSecretView,
    handler: ({ services, write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getWebhook(tenant, params.webhook_id);
        const { row, secret } = await rotateWebhookSecret(tenant, services.secretBox, existing);
        const after = viewWebhook(row);
        await audit({
          action: "webhook.secret_rotated",
          resource_type: "webhook",
          resource_id: row.id,
          before: viewWebhook(existing),
          after,
        });
        return { ...after, signing_secret: secret };
      }),
  }),
  defineOperation({
    id: "test_webhook",
    method: "POST",
    path: "/webhooks/{webhook_id}/test",
    summary: "Send a test event to the endpoint now",
    description:
      "Sends webhook.test, or a synthetic event of event_type (its data.test true). Delivers at " +
      "once and returns the delivery with the receiver's answer. A failed test is retried like " +
      "any delivery.",
    aliases: { paths: [`${ENDPOINT}/test`] },
    tag,
    role: "developer",
    params: webhookParams,
    body: testWebhookBody,
    output: deliveryDetailView,
    handler: async ({ tenant, caller, services, write }, { params, body }) => {
      const deliveryId = await write(async ({ tenant, audit }) => {
        const webhook = await getWebhook(tenant, params.webhook_id);
        if (!webhook.enabled) throw conflict("the webhook is disabled", "webhook", webhook.id);
        const envelope = newEnvelope(caller.org_id, body.event_type ?? "webhook.test", {
          test: true,
          webhook_id: webhook.id,
          message: "A test event from modelux.",
        });
        const id = await insertTestDelivery(tenant, webhook, envelope);
        await audit({
          action: "webhook.tested",
          resource_type: "webhook",
          resource_id: webhook.id,
        });
        return id;
      });
      await services.deliverWebhookNow(deliveryId);
      const webhook = await getWebhook(tenant, params.webhook_id);
      return viewDeliveryDetail(await getDelivery(tenant, webhook, deliveryId));
    },
  }),
];
