// Members, scoped to one org. Owners are protected: only an owner grants, changes or removes the
// owner role, and the last owner cannot be demoted or removed.
import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { isUniqueViolation } from "../../api/db-errors.ts";
import { conflict, forbidden, notFound } from "../../api/errors.ts";
import { type Caller, type Role, roleAtLeast } from "../../api/operation.ts";
import { isoRequired, listPage } from "../../api/schemas.ts";
import type { Database } from "../../db/client.ts";
import { type MemberRow, managementKeys, members } from "../../db/schema/index.ts";
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
  db: Database,
  orgId: string,
  query: { limit?: number; cursor?: string; role?: Role },
) {
  return listPage(
    db,
    members,
    query,
    [eq(members.org_id, orgId), query.role ? eq(members.role, query.role) : undefined],
    viewMember,
  );
}

export async function getMember(db: Database, orgId: string, memberId: string) {
  const [row] = await db
    .select()
    .from(members)
    .where(and(eq(members.org_id, orgId), eq(members.id, memberId)));
  if (!row) throw notFound("member", memberId);
  return row;
}

function guardOwnerRole(caller: Caller, ...roles: Array<Role | undefined>) {
  if (roles.includes("owner") && !roleAtLeast(caller.role, "owner")) {
    throw forbidden("only an owner can grant, change or remove the owner role");
  }
}

export async function createMember(
  db: Database,
  caller: Caller,
  input: { email: string; name?: string; role: Role },
) {
  guardOwnerRole(caller, input.role);
  try {
    const [row] = await db
      .insert(members)
      .values({
        id: newId("member"),
        org_id: caller.org_id,
        email: input.email,
        name: input.name ?? null,
        role: input.role,
      })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    return row;
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`${input.email} is already a member`, "member");
    throw error;
  }
}

async function assertAnotherOwner(db: Database, orgId: string, memberId: string) {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(members)
    .where(and(eq(members.org_id, orgId), eq(members.role, "owner"), ne(members.id, memberId)));
  if (!row || row.count === 0) throw conflict("the org's last owner cannot be demoted or removed");
}

export async function updateMember(
  db: Database,
  caller: Caller,
  existing: MemberRow,
  input: { name?: string | null; role?: Role },
) {
  if (input.role && input.role !== existing.role) {
    guardOwnerRole(caller, input.role, existing.role);
    if (existing.role === "owner") await assertAnotherOwner(db, caller.org_id, existing.id);
  }
  const [row] = await db
    .update(members)
    .set({
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.role ? { role: input.role } : {}),
      updated_at: new Date(),
    })
    .where(eq(members.id, existing.id))
    .returning();
  if (!row) throw notFound("member", existing.id);
  return row;
}

/** Removes the member and revokes the management keys that act for them. */
export async function deleteMember(db: Database, caller: Caller, existing: MemberRow) {
  guardOwnerRole(caller, existing.role);
  if (existing.role === "owner") await assertAnotherOwner(db, caller.org_id, existing.id);
  await db
    .update(managementKeys)
    .set({ revoked_at: new Date() })
    .where(and(eq(managementKeys.member_id, existing.id), isNull(managementKeys.revoked_at)));
  await db.delete(members).where(eq(members.id, existing.id));
}
