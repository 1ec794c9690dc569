// Members, scoped to one org. Owners are protected: only an owner grants, changes or removes the
// owner role, and the last owner cannot be demoted or removed.
import { eq, isNull, ne } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { isUniqueViolation } from "../../api/db-errors.ts";
import { conflict, forbidden, notFound } from "../../api/errors.ts";
import { type Caller, type Role, roleAtLeast } from "../../api/operation.ts";
import { isoRequired } from "../../api/schemas.ts";
import {
  dashboardSessions,
  type MemberRow,
  managementKeys,
  members,
} from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import type { MemberView } from "./model.ts";

export const viewMember = (row: MemberRow): MemberView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  password_set: row.password_hash !== null,
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

/** Only an owner sets or removes a member's dashboard password. */
function guardPassword(caller: Caller, password: string | null | undefined) {
  if (password !== undefined && !roleAtLeast(caller.role, "owner")) {
    throw forbidden("only an owner can set or remove a member's password");
  }
}

/** argon2id (Bun.password's defaults: 64 MiB, 2 passes), deliberately slow. */
export const hashPassword = (password: string) =>
  Bun.password.hash(password, { algorithm: "argon2id" });

export async function createMember(
  tenant: Tenant,
  caller: Caller,
  input: { email: string; name?: string; role: Role; password?: string },
) {
  guardOwnerRole(caller, input.role);
  guardPassword(caller, input.password);
  try {
    return await tenant.insert(members, {
      id: newId("member"),
      email: input.email,
      name: input.name ?? null,
      role: input.role,
      password_hash: input.password === undefined ? null : await hashPassword(input.password),
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
  input: { name?: string | null; role?: Role; password?: string | null },
) {
  if (input.role && input.role !== existing.role) {
    guardOwnerRole(caller, input.role, existing.role);
    if (existing.role === "owner") await assertAnotherOwner(tenant, existing.id);
  }
  guardPassword(caller, input.password);
  const password =
    input.password === undefined
      ? {}
      : { password_hash: input.password === null ? null : await hashPassword(input.password) };
  const row = await tenant.update(members, existing.id, {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.role ? { role: input.role } : {}),
    ...password,
    updated_at: new Date(),
  });
  if (!row) throw notFound("member", existing.id);
  // A new or removed password ends the member's dashboard sessions (their keys are revoked too).
  if (input.password !== undefined) await endMemberSessions(tenant, existing.id);
  return row;
}

async function endMemberSessions(tenant: Tenant, memberId: string) {
  const ended = await tenant.db
    .delete(dashboardSessions)
    .where(eq(dashboardSessions.member_id, memberId))
    .returning({ key: dashboardSessions.management_key_id });
  for (const { key } of ended) {
    await tenant.updateWhere(
      managementKeys,
      { revoked_at: new Date() },
      eq(managementKeys.id, key),
      isNull(managementKeys.revoked_at),
    );
  }
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
