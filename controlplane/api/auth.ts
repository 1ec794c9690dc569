// Management keys: `Authorization: Bearer mlx_mk_…`, looked up by SHA-256 only. A key linked to a
// member acts with the lower of its own role and the member's, so demoting a person demotes
// their keys at once.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { managementKeys, members } from "../db/schema/index.ts";
import { ManagementError } from "./errors.ts";
import { type Caller, roleRank } from "./operation.ts";
import { bearerToken, isKeyOfKind, keyHashIs, keyStatus } from "./secret-keys.ts";

export interface AuthenticatedKey extends Caller {
  rpm_limit: number | null;
}

const unauthenticated = (message: string) => new ManagementError("authentication", message);

/** Reads the bearer token of a request; throws `authentication` for anything but a live key. */
export async function authenticate(
  db: Database,
  authorization: string | null,
  now: Date = new Date(),
): Promise<AuthenticatedKey> {
  const token = bearerToken(authorization);
  if (!token) {
    throw unauthenticated("missing Authorization: Bearer mlx_mk_… header");
  }
  if (!isKeyOfKind(token, "management")) {
    throw unauthenticated("the Management API takes a management key (mlx_mk_…)");
  }
  const [row] = await db
    .select({ key: managementKeys, member_role: members.role })
    .from(managementKeys)
    .leftJoin(members, eq(members.id, managementKeys.member_id))
    .where(keyHashIs(managementKeys.key_hash, token));
  if (!row) throw unauthenticated("unknown management key");
  const { key } = row;
  const status = keyStatus(key, now);
  if (status === "revoked") throw unauthenticated("this management key was revoked");
  if (status === "expired") throw unauthenticated("this management key has expired");
  const role =
    row.member_role && roleRank(row.member_role) < roleRank(key.role) ? row.member_role : key.role;
  touchLastUsed(db, key.id, now);
  return { org_id: key.org_id, role, key_id: key.id, rpm_limit: key.rpm_limit };
}

// At most one write per key per minute, off the request's path.
const lastTouched = new Map<string, number>();

function touchLastUsed(db: Database, keyId: string, now: Date): void {
  const previous = lastTouched.get(keyId) ?? 0;
  if (now.getTime() - previous < 60_000) return;
  lastTouched.set(keyId, now.getTime());
  db.update(managementKeys)
    .set({ last_used_at: now })
    .where(eq(managementKeys.id, keyId))
    .catch(() => lastTouched.delete(keyId));
}
