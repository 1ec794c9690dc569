// Proxy keys of one org, stored as SHA-256 only. Revocation takes the key out of the next
// snapshot and, faster, is announced on the bus so every data plane refuses it within a second.
import { and, eq, isNull } from "drizzle-orm";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { conflict, notFound } from "../../api/errors.ts";
import { iso, isoRequired, listPage } from "../../api/schemas.ts";
import type { Database } from "../../db/client.ts";
import { type ApiKeyRow, apiKeys } from "../../db/schema/index.ts";
import { getProject } from "../projects/service.ts";
import type { ApiKeyView } from "./model.ts";

export function keyStatus(
  row: { revoked_at: Date | null; expires_at: Date | null },
  now = new Date(),
) {
  if (row.revoked_at) return "revoked" as const;
  if (row.expires_at && row.expires_at <= now) return "expired" as const;
  return "active" as const;
}

export const viewApiKey = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  project_id: row.project_id,
  name: row.name,
  prefix: row.key_prefix,
  status: keyStatus(row),
  rpm_limit: row.rpm_limit,
  expires_at: iso(row.expires_at),
  revoked_at: iso(row.revoked_at),
  last_used_at: iso(row.last_used_at),
  created_at: isoRequired(row.created_at),
});

export async function listApiKeys(
  db: Database,
  orgId: string,
  query: { limit?: number; cursor?: string; project_id?: string; include_revoked?: boolean },
) {
  return listPage(
    db,
    apiKeys,
    query,
    [
      eq(apiKeys.org_id, orgId),
      query.project_id ? eq(apiKeys.project_id, query.project_id) : undefined,
      query.include_revoked ? undefined : isNull(apiKeys.revoked_at),
    ],
    viewApiKey,
  );
}

export async function getApiKey(db: Database, orgId: string, keyId: string) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.org_id, orgId), eq(apiKeys.id, keyId)));
  if (!row) throw notFound("api_key", keyId);
  return row;
}

export async function createApiKey(
  db: Database,
  orgId: string,
  createdBy: string,
  input: { project_id: string; name: string; expires_at?: string; rpm_limit?: number },
) {
  await getProject(db, orgId, input.project_id);
  const key = newSecretKey("proxy");
  const [row] = await db
    .insert(apiKeys)
    .values({
      id: newId("apiKey"),
      org_id: orgId,
      project_id: input.project_id,
      name: input.name,
      key_hash: hashKey(key),
      key_prefix: keyDisplayPrefix(key),
      rpm_limit: input.rpm_limit ?? null,
      expires_at: input.expires_at ? new Date(input.expires_at) : null,
      created_by: createdBy,
    })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  return { row, key };
}

export async function updateApiKey(
  db: Database,
  existing: ApiKeyRow,
  input: { name?: string; expires_at?: string | null; rpm_limit?: number | null },
) {
  if (existing.revoked_at)
    throw conflict("a revoked key cannot be changed", "api_key", existing.id);
  const [row] = await db
    .update(apiKeys)
    .set({
      ...(input.name ? { name: input.name } : {}),
      ...(input.rpm_limit !== undefined ? { rpm_limit: input.rpm_limit } : {}),
      ...(input.expires_at !== undefined
        ? { expires_at: input.expires_at ? new Date(input.expires_at) : null }
        : {}),
    })
    .where(eq(apiKeys.id, existing.id))
    .returning();
  if (!row) throw notFound("api_key", existing.id);
  return row;
}

export async function revokeApiKey(db: Database, existing: ApiKeyRow) {
  if (existing.revoked_at) return existing;
  const [row] = await db
    .update(apiKeys)
    .set({ revoked_at: new Date() })
    .where(eq(apiKeys.id, existing.id))
    .returning();
  if (!row) throw notFound("api_key", existing.id);
  return row;
}
