// Members, scoped to one org. Owners are protected: only an owner grants, changes or removes the
// owner role, and the last owner cannot be demoted or removed.
import { eq, isNull, ne } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { isUniqueViolation } from "../../api/db-errors.ts";
import { conflict, forbidden, notFound } from "../../api/errors.ts";
import { type Caller, type Role, roleAtLeast } from "../../api/operation.ts";
import { isoRequired } from "../../api/schemas.ts";
import { type MemberRow, managementKeys, members } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import type { MemberView } from "./model.ts";

export const viewMember = (row: MemberRow): MemberView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  created_at: isoRequired(row.created_at),
  updated_at: isoRequired(row.updated_at),
});

export async function listMembers(
  tenant: Tenant,
  query: { limit?: number; cursor?: string; role?: Role },
) {
  return tenant.page(
    members,
    query,
    [query.role ? eq(members.role, query.role) : undefined],
    viewMember,
  );
}

export async function getMember(tenant: Tenant, memberId: string) {
  const row = await tenant.find(members, memberId);
  if (!row) throw notFound("member", memberId);
  return row;
}

function guardOwnerRole(caller: Caller, ...roles: Array<Role | undefined>) {
  if (roles.includes("owner") && !roleAtLeast(caller.role, "owner")) {
    throw forbidden("only an owner can grant, change or remove the owner role");
  }
}

export async function createMember(
  tenant: Tenant,
  caller: Caller,
  input: { email: string; name?: string; role: Role },
) {
  guardOwnerRole(caller, input.role);
  try {
    return await tenant.insert(members, {
      id: newId("member"),
      email: input.email,
      name: input.name ?? null,
      role: input.role,
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`${input.email} is already a member`, "member");
    throw error;
  }
}

async function assertAnotherOwner(tenant: Tenant, memberId: string) {
  const owners = await tenant.count(members, eq(members.role, "owner"), ne(members.id, memberId));
  if (owners === 0) throw conflict("the org's last owner cannot be demoted or removed");
}

export async function updateMember(
  tenant: Tenant,
  caller: Caller,
  existing: MemberRow,
  input: { name?: string | null; role?: Role },
) {
  if (input.role && input.role !== existing.role) {
    guardOwnerRole(caller, input.role, existing.role);
    if (existing.role === "owner") await assertAnotherOwner(tenant, existing.id);
  }
  const row = await tenant.update(members, existing.id, {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.role ? { role: input.role } : {}),
    updated_at: new Date(),
  });
  if (!row) throw notFound("member", existing.id);
  return row;
}

/** Removes the member and revokes the management keys that act for them. */
export async function deleteMember(tenant: Tenant, caller: Caller, existing: MemberRow) {
  guardOwnerRole(caller, existing.role);
  if (existing.role === "owner") await assertAnotherOwner(tenant, existing.id);
  await tenant.updateWhere(
    managementKeys,
    { revoked_at: new Date() },
    eq(managementKeys.member_id, existing.id),
    isNull(managementKeys.revoked_at),
  );
  await tenant.delete(members, existing.id);
}
