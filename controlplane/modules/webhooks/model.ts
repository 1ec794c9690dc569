// Webhook endpoints. The signing secret is in the create and rotate-secret responses only.
import * as v from "valibot";
import {
  idSchema,
  nullableTimestamp,
  paginationEntries,
  timestampSchema,
} from "../../api/schemas.ts";
import { subscribableEventSchema, WEBHOOK_EVENT_TYPES } from "../../webhooks/event-types.ts";

const urlSchema = v.pipe(
  v.string(),
  v.url("must be a URL"),
  v.regex(/^https?:\/\//, "must be an http(s) URL"),
  v.maxLength(2000),
  v.description("Where events are POSTed. Slack incoming-webhook URLs get Slack messages."),
);

const eventTypesSchema = v.pipe(
  v.array(subscribableEventSchema),
  v.minLength(1, "must name at least one event type"),
  v.check((list) => new Set(list).size === list.length, "must not repeat an event type"),
  v.description('The event types to receive, or ["*"] for all.'),
);

export const webhookView = v.object({
  id: idSchema("The webhook's id."),
  url: v.string(),
  description: v.nullable(v.string()),
  event_types: v.array(v.string()),
  enabled: v.boolean(),
  active: v.pipe(v.boolean(), v.description("The same as enabled (modelux.ai's name).")),
  previous_secret_expires_at: v.pipe(
    nullableTimestamp,
    v.description("After a rotation, until when the old secret also signs."),
  ),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type WebhookView = v.InferOutput<typeof webhookView>;

export const webhookWithSecretView = v.object({
  ...webhookView.entries,
  signing_secret: v.pipe(
    v.string(),
    v.description("whsec_…: verifies signatures. Shown this once; store it now."),
  ),
});

export const webhookParams = v.object({ webhook_id: idSchema("The webhook's id.") });
export const listWebhooksQuery = v.object(paginationEntries);

export const createWebhookBody = v.strictObject({
  url: urlSchema,
  event_types: eventTypesSchema,
  description: v.optional(v.pipe(v.string(), v.maxLength(500))),
  enabled: v.optional(v.boolean()),
});

export const updateWebhookBody = v.strictObject({
  url: v.optional(urlSchema),
  event_types: v.optional(eventTypesSchema),
  description: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(500)))),
  enabled: v.optional(
    v.pipe(v.boolean(), v.description("Disabled endpoints keep their pending deliveries paused.")),
  ),
});

export const eventTypeView = v.object({ type: v.string(), description: v.string() });

export const testWebhookBody = v.strictObject({
  event_type: v.optional(
    v.pipe(
      v.picklist(WEBHOOK_EVENT_TYPES, `must be one of ${WEBHOOK_EVENT_TYPES.join(", ")}`),
      v.description(
        "Send a synthetic event of this type (data.test is true) instead of webhook.test.",
      ),
    ),
  ),
});

/** modelux.ai's endpoint paths and its `active` flag (docs/compatibility.md). */
export const ENDPOINTS = "/webhooks/endpoints";
export const ENDPOINT = "/webhooks/endpoints/{webhook_id}";
export const activeAlias = { active: "enabled" } as const;
