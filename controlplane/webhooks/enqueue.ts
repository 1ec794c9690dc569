// The outbox's writer: one delivery row per endpoint subscribed to the event, written with the
// caller's transaction so an event exists exactly when the change that caused it committed.
// Later issues (budgets, experiments, provider health) call `enqueueEvent` the same way.
import { eq, or, sql } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import type { Database } from "../db/client.ts";
import { webhookDeliveries, webhooks } from "../db/schema/index.ts";
import { scoped } from "../db/tenant.ts";
import type { WebhookEventType } from "./event-types.ts";

/** What a receiver gets (Slack URLs get a message rendered from it instead). */
export interface WebhookEnvelope {
  id: string;
  type: WebhookEventType;
  created_at: string;
  org_id: string;
  data: Record<string, unknown>;
}

export interface EnqueuedEvent {
  event_id: string;
  delivery_ids: string[];
}

export async function enqueueEvent(
  db: Database,
  orgId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  options: { now?: Date } = {},
): Promise<EnqueuedEvent> {
  const subscribed = await db
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      scoped(db, orgId).where(
        webhooks,
        eq(webhooks.enabled, true),
        or(
          sql`${webhooks.event_types} @> ${JSON.stringify([type])}::jsonb`,
          sql`${webhooks.event_types} @> '["*"]'::jsonb`,
        ),
      ),
    );
  const envelope = newEnvelope(orgId, type, data, options.now);
  const delivery_ids = await insertDeliveries(
    db,
    subscribed.map((row) => row.id),
    envelope,
  );
  return { event_id: envelope.id, delivery_ids };
}

export function newEnvelope(
  orgId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  now: Date = new Date(),
): WebhookEnvelope {
  return {
    id: newId("webhookEvent", now.getTime()),
    type,
    created_at: now.toISOString(),
    org_id: orgId,
    data,
  };
}

export async function insertDeliveries(
  db: Database,
  webhookIds: string[],
  envelope: WebhookEnvelope,
  replayOf?: string,
  /** When the poller may take the rows; later than now for rows the caller delivers itself. */
  dueAt?: Date,
): Promise<string[]> {
  if (webhookIds.length === 0) return [];
  const rows = webhookIds.map((webhookId) => ({
    id: newId("webhookDelivery"),
    webhook_id: webhookId,
    event_id: envelope.id,
    event_type: envelope.type,
    payload: envelope as unknown as Record<string, unknown>,
    replay_of: replayOf ?? null,
    ...(dueAt ? { next_attempt_at: dueAt } : {}),
  }));
  await db.insert(webhookDeliveries).values(rows);
  return rows.map((row) => row.id);
}
