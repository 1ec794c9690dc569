// Management keys of one org. A key cannot mint a key with a higher role than its own.
import { newId } from "#shared/ids/ids.ts";
import { forbidden, notFound } from "../../api/errors.ts";
import { type Caller, type Role, roleAtLeast } from "../../api/operation.ts";
import { issueSecretKey, revokedFilter, revokeKey, viewKeyState } from "../../api/secret-keys.ts";
import { type ManagementKeyRow, managementKeys } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { getMember } from "../members/service.ts";
import type { ManagementKeyView } from "./model.ts";

export const viewManagementKey = (row: ManagementKeyRow): ManagementKeyView => ({
  id: row.id,
  name: row.name,
  role: row.role,
  member_id: row.member_id,
  ...viewKeyState(row),
});

export async function listManagementKeys(
  tenant: Tenant,
  query: { limit?: number; cursor?: string; include_revoked?: boolean },
) {
  return tenant.page(
    managementKeys,
    query,
    [revokedFilter(managementKeys, query.include_revoked)],
    viewManagementKey,
  );
}

export async function getManagementKey(tenant: Tenant, keyId: string) {
  const row = await tenant.find(managementKeys, keyId);
  if (!row) throw notFound("management_key", keyId);
  return row;
}

export async function createManagementKey(
  tenant: Tenant,
  caller: Caller,
  input: { name: string; role: Role; member_id?: string; expires_at?: string; rpm_limit?: number },
) {
  if (!roleAtLeast(caller.role, input.role)) {
    throw forbidden(`a ${caller.role} key cannot create a key with the ${input.role} role`);
  }
  if (input.member_id) await getMember(tenant, input.member_id);
  const { key, stored } = issueSecretKey("management");
  const row = await tenant.insert(managementKeys, {
    id: newId("managementKey"),
    member_id: input.member_id ?? null,
    name: input.name,
    role: input.role,
    ...stored,
    rpm_limit: input.rpm_limit ?? null,
    expires_at: input.expires_at ? new Date(input.expires_at) : null,
  });
  return { row, key };
}

export async function revokeManagementKey(
  tenant: Tenant,
  caller: Caller,
  existing: ManagementKeyRow,
) {
  if (!roleAtLeast(caller.role, existing.role)) {
    throw forbidden(`a ${caller.role} key cannot revoke a key with the ${existing.role} role`);
  }
  const row = await revokeKey(tenant, managementKeys, existing);
  if (!row) throw notFound("management_key", existing.id);
  return row;
}
