// Management keys of one org. A key cannot mint a key with a higher role than its own.
import { and, eq, isNull } from "drizzle-orm";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { forbidden, notFound } from "../../api/errors.ts";
import { type Caller, type Role, roleAtLeast } from "../../api/operation.ts";
import { iso, isoRequired, listPage } from "../../api/schemas.ts";
import type { Database } from "../../db/client.ts";
import { type ManagementKeyRow, managementKeys } from "../../db/schema/index.ts";
import { keyStatus } from "../api-keys/service.ts";
import { getMember } from "../members/service.ts";
import type { ManagementKeyView } from "./model.ts";

export const viewManagementKey = (row: ManagementKeyRow): ManagementKeyView => ({
  id: row.id,
  name: row.name,
  role: row.role,
  member_id: row.member_id,
  prefix: row.key_prefix,
  status: keyStatus(row),
  rpm_limit: row.rpm_limit,
  expires_at: iso(row.expires_at),
  revoked_at: iso(row.revoked_at),
  last_used_at: iso(row.last_used_at),
  created_at: isoRequired(row.created_at),
});

export async function listManagementKeys(
  db: Database,
  orgId: string,
  query: { limit?: number; cursor?: string; include_revoked?: boolean },
) {
  return listPage(
    db,
    managementKeys,
    query,
    [
      eq(managementKeys.org_id, orgId),
      query.include_revoked ? undefined : isNull(managementKeys.revoked_at),
    ],
    viewManagementKey,
  );
}

export async function getManagementKey(db: Database, orgId: string, keyId: string) {
  const [row] = await db
    .select()
    .from(managementKeys)
    .where(and(eq(managementKeys.org_id, orgId), eq(managementKeys.id, keyId)));
  if (!row) throw notFound("management_key", keyId);
  return row;
}

export async function createManagementKey(
  db: Database,
  caller: Caller,
  input: { name: string; role: Role; member_id?: string; expires_at?: string; rpm_limit?: number },
) {
  if (!roleAtLeast(caller.role, input.role)) {
    throw forbidden(`a ${caller.role} key cannot create a key with the ${input.role} role`);
  }
  if (input.member_id) await getMember(db, caller.org_id, input.member_id);
  const key = newSecretKey("management");
  const [row] = await db
    .insert(managementKeys)
    .values({
      id: newId("managementKey"),
      org_id: caller.org_id,
      member_id: input.member_id ?? null,
      name: input.name,
      role: input.role,
      key_hash: hashKey(key),
      key_prefix: keyDisplayPrefix(key),
      rpm_limit: input.rpm_limit ?? null,
      expires_at: input.expires_at ? new Date(input.expires_at) : null,
    })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  return { row, key };
}

export async function revokeManagementKey(
  db: Database,
  caller: Caller,
  existing: ManagementKeyRow,
) {
  if (!roleAtLeast(caller.role, existing.role)) {
    throw forbidden(`a ${caller.role} key cannot revoke a key with the ${existing.role} role`);
  }
  if (existing.revoked_at) return existing;
  const [row] = await db
    .update(managementKeys)
    .set({ revoked_at: new Date() })
    .where(eq(managementKeys.id, existing.id))
    .returning();
  if (!row) throw notFound("management_key", existing.id);
  return row;
}
