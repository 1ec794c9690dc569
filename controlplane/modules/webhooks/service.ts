// Webhook endpoints of one org. Secrets are AES-256-GCM ciphertext at rest; a rotation keeps
// the old secret signing alongside the new one for 24 h so receivers can switch without a gap.
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { type EgressPolicy, EgressRefusedError } from "#shared/egress/policy.ts";
import { newId } from "#shared/ids/ids.ts";
import { invalidField, notFound } from "../../api/errors.ts";
import { iso, isoRequired } from "../../api/schemas.ts";
import { type WebhookRow, webhooks } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { newSigningSecret } from "../../webhooks/signing.ts";
import type { WebhookView } from "./model.ts";

export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export const viewWebhook = (row: WebhookRow, now = new Date()): WebhookView => ({
  id: row.id,
  url: row.url,
  description: row.description,
  event_types: row.event_types,
  enabled: row.enabled,
  active: row.enabled,
  previous_secret_expires_at:
    row.previous_secret_expires_at && row.previous_secret_expires_at > now
      ? iso(row.previous_secret_expires_at)
      : null,
  created_at: isoRequired(row.created_at),
  updated_at: isoRequired(row.updated_at),
});

/** A URL the egress policy refuses is a 400 naming `url`; each delivery checks it again. */
export async function refuseUnreachableUrl(egress: EgressPolicy, url: string | undefined) {
  if (url === undefined) return;
  try {
    await egress.check(url);
  } catch (error) {
    if (error instanceof EgressRefusedError) throw invalidField("body.url", error.message);
    // A name that does not resolve (yet) is not refused here: deliveries report "unreachable".
  }
}

export async function listWebhooks(tenant: Tenant, query: { limit?: number; cursor?: string }) {
  return tenant.page(webhooks, query, [], (row) => viewWebhook(row));
}

export async function getWebhook(tenant: Tenant, webhookId: string) {
  const row = await tenant.find(webhooks, webhookId);
  if (!row) throw notFound("webhook", webhookId);
  return row;
}

export async function createWebhook(
  tenant: Tenant,
  secretBox: SecretBox,
  input: { url: string; event_types: string[]; description?: string; enabled?: boolean },
) {
  const secret = newSigningSecret();
  const row = await tenant.insert(webhooks, {
    id: newId("webhook"),
    url: input.url,
    description: input.description ?? null,
    event_types: input.event_types,
    signing_secret_ciphertext: secretBox.encrypt(secret),
    enabled: input.enabled ?? true,
  });
  return { row, secret };
}

export async function updateWebhook(
  tenant: Tenant,
  existing: WebhookRow,
  input: { url?: string; event_types?: string[]; description?: string | null; enabled?: boolean },
) {
  const row = await tenant.update(webhooks, existing.id, {
    ...(input.url ? { url: input.url } : {}),
    ...(input.event_types ? { event_types: input.event_types } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    updated_at: new Date(),
  });
  if (!row) throw notFound("webhook", existing.id);
  return row;
}

export async function rotateWebhookSecret(
  tenant: Tenant,
  secretBox: SecretBox,
  existing: WebhookRow,
) {
  const secret = newSigningSecret();
  const row = await tenant.update(webhooks, existing.id, {
    signing_secret_ciphertext: secretBox.encrypt(secret),
    previous_secret_ciphertext: existing.signing_secret_ciphertext,
    previous_secret_expires_at: new Date(Date.now() + ROTATION_OVERLAP_MS),
    updated_at: new Date(),
  });
  if (!row) throw notFound("webhook", existing.id);
  return { row, secret };
}

export async function deleteWebhook(tenant: Tenant, existing: WebhookRow) {
  await tenant.delete(webhooks, existing.id);
}
