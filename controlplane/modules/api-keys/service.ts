// Proxy keys of one org, stored as SHA-256 only. Revocation takes the key out of the next
// snapshot and, faster, is announced on the bus so every data plane refuses it within a second.
import { eq } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { conflict, notFound } from "../../api/errors.ts";
import { issueSecretKey, revokedFilter, revokeKey, viewKeyState } from "../../api/secret-keys.ts";
import { type ApiKeyRow, apiKeys } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { getProject } from "../projects/service.ts";
import type { ApiKeyView } from "./model.ts";

export const viewApiKey = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  project_id: row.project_id,
  name: row.name,
  ...viewKeyState(row),
  tpm_limit: row.tpm_limit,
});

export async function listApiKeys(
  tenant: Tenant,
  query: { limit?: number; cursor?: string; project_id?: string; include_revoked?: boolean },
) {
  return tenant.page(
    apiKeys,
    query,
    [
      query.project_id ? eq(apiKeys.project_id, query.project_id) : undefined,
      revokedFilter(apiKeys, query.include_revoked),
    ],
    viewApiKey,
  );
}

export async function getApiKey(tenant: Tenant, keyId: string) {
  const row = await tenant.find(apiKeys, keyId);
  if (!row) throw notFound("api_key", keyId);
  return row;
}

export async function createApiKey(
  tenant: Tenant,
  createdBy: string,
  input: {
    project_id: string;
    name: string;
    expires_at?: string;
    rpm_limit?: number;
    tpm_limit?: number;
  },
) {
  await getProject(tenant, input.project_id);
  const { key, stored } = issueSecretKey("proxy");
  const row = await tenant.insert(apiKeys, {
    id: newId("apiKey"),
    project_id: input.project_id,
    name: input.name,
    ...stored,
    rpm_limit: input.rpm_limit ?? null,
    tpm_limit: input.tpm_limit ?? null,
    expires_at: input.expires_at ? new Date(input.expires_at) : null,
    created_by: createdBy,
  });
  return { row, key };
}

export async function updateApiKey(
  tenant: Tenant,
  existing: ApiKeyRow,
  input: {
    name?: string;
    expires_at?: string | null;
    rpm_limit?: number | null;
    tpm_limit?: number | null;
  },
) {
  if (existing.revoked_at)
    throw conflict("a revoked key cannot be changed", "api_key", existing.id);
  const row = await tenant.update(apiKeys, existing.id, {
    ...(input.name ? { name: input.name } : {}),
    ...(input.rpm_limit !== undefined ? { rpm_limit: input.rpm_limit } : {}),
    ...(input.tpm_limit !== undefined ? { tpm_limit: input.tpm_limit } : {}),
    ...(input.expires_at !== undefined
      ? { expires_at: input.expires_at ? new Date(input.expires_at) : null }
      : {}),
  });
  if (!row) throw notFound("api_key", existing.id);
  return row;
}

export async function revokeApiKey(tenant: Tenant, existing: ApiKeyRow) {
  const row = await revokeKey(tenant, apiKeys, existing);
  if (!row) throw notFound("api_key", existing.id);
  return row;
}
