// Management keys: `Authorization: Bearer mlx_mk_…`, looked up by SHA-256 only. A key linked to a
// member acts with the lower of its own role and the member's, so demoting a person demotes
// their keys at once.
import { eq, type SQL } from "drizzle-orm";
import { csrfProblem, findSession, sessionToken } from "../dashboard/sessions.ts";
import type { Database } from "../db/client.ts";
import { type DashboardSessionRow, managementKeys, members } from "../db/schema/index.ts";
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
  return keyCaller(db, keyHashIs(managementKeys.key_hash, token), now);
}

/** The caller a management key acts as, found by its id (a dashboard session's key). */
export function authenticateKeyId(
  db: Database,
  keyId: string,
  now: Date = new Date(),
): Promise<AuthenticatedKey> {
  return keyCaller(db, eq(managementKeys.id, keyId), now);
}

export interface AuthenticatedRequest extends AuthenticatedKey {
  /** Set when the request came with the dashboard's session cookie instead of a bearer key. */
  session: DashboardSessionRow | null;
}

/**
 * The caller of a Management API request: the bearer key when an Authorization header is sent,
 * otherwise the dashboard's session cookie, whose writes must carry its CSRF token
 * (controlplane/dashboard/sessions.ts); the session acts with its management key's role.
 */
export async function authenticateRequest(
  db: Database,
  request: Request,
  now: Date = new Date(),
): Promise<AuthenticatedRequest> {
  const authorization = request.headers.get("authorization");
  const token = authorization === null ? sessionToken(request) : null;
  if (token === null) return { ...(await authenticate(db, authorization, now)), session: null };
  const session = await findSession(db, token, now);
  if (!session) throw unauthenticated("the dashboard session has ended; sign in again");
  const problem = csrfProblem(request, session.csrf_token);
  if (problem) throw new ManagementError("forbidden", problem);
  return { ...(await authenticateKeyId(db, session.management_key_id, now)), session };
}

async function keyCaller(db: Database, where: SQL, now: Date): Promise<AuthenticatedKey> {
  const [row] = await db
    .select({ key: managementKeys, member_role: members.role })
    .from(managementKeys)
    .leftJoin(members, eq(members.id, managementKeys.member_id))
    .where(where);
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
