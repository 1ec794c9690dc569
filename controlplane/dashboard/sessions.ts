// The dashboard's session store (docs/dashboard.md): a random token in an HTTP-only,
// SameSite=Strict cookie, stored as its SHA-256 only, beside the CSRF token the page sends back in
// X-CSRF-Token on every write. A session acts through one management key (dashboard_sessions).
import { timingSafeEqual } from "node:crypto";
import { eq, lte } from "drizzle-orm";
import { hashKey, newId } from "#shared/ids/ids.ts";
import type { Database } from "../db/client.ts";
import { type DashboardSessionRow, dashboardSessions } from "../db/schema/index.ts";

export const SESSION_COOKIE = "modelux_session";
export const CSRF_HEADER = "x-csrf-token";
/** A session lasts this long from sign-in, whatever it does meanwhile. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const randomToken = () =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

export async function createSession(
  db: Database,
  input: { management_key_id: string; member_id: string | null; expires_at: Date },
): Promise<{ token: string; row: DashboardSessionRow }> {
  const token = randomToken();
  const [row] = await db
    .insert(dashboardSessions)
    .values({
      id: newId("dashboardSession"),
      token_hash: hashKey(token),
      csrf_token: randomToken(),
      ...input,
    })
    .returning();
  if (!row) throw new Error("the session was not stored");
  return { token, row };
}

/** The live session of a cookie token, or null (unknown or expired; an expired one is dropped). */
export async function findSession(
  db: Database,
  token: string,
  now: Date = new Date(),
): Promise<DashboardSessionRow | null> {
  const [row] = await db
    .select()
    .from(dashboardSessions)
    .where(eq(dashboardSessions.token_hash, hashKey(token)));
  if (!row) return null;
  if (row.expires_at <= now) {
    await db.delete(dashboardSessions).where(eq(dashboardSessions.id, row.id));
    return null;
  }
  return row;
}

export async function deleteSession(db: Database, id: string): Promise<void> {
  await db.delete(dashboardSessions).where(eq(dashboardSessions.id, id));
}

export async function deleteExpiredSessions(db: Database, now: Date = new Date()): Promise<void> {
  await db.delete(dashboardSessions).where(lte(dashboardSessions.expires_at, now));
}

/** The session cookie's value in a request, or null. */
export function sessionToken(request: Request): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=") || null;
  }
  return null;
}

/** Set-Cookie for a session token (Secure when the page came over https). */
export function sessionCookie(request: Request, token: string, expiresAt: Date): string {
  const secure = isHttps(request) ? "; Secure" : "";
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Expires=${expiresAt.toUTCString()}${secure}`;
}

export function clearedSessionCookie(request: Request): string {
  const secure = isHttps(request) ? "; Secure" : "";
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`;
}

const isHttps = (request: Request) =>
  new URL(request.url).protocol === "https:" ||
  request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Why a request made with the session cookie may not go on, or null when it may: a cross-site
 * Origin is refused outright, and a write needs the session's CSRF token in X-CSRF-Token.
 */
export function csrfProblem(request: Request, csrfToken: string | null): string | null {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== requestOrigin(request)) {
    return `a request from ${origin} may not use the dashboard session of this site`;
  }
  if (SAFE_METHODS.has(request.method) || csrfToken === null) return null;
  const sent = request.headers.get(CSRF_HEADER);
  if (sent === null) return `a write with the dashboard session needs the ${CSRF_HEADER} header`;
  const left = Buffer.from(sent);
  const right = Buffer.from(csrfToken);
  if (left.length !== right.length || !timingSafeEqual(left, right)) {
    return `the ${CSRF_HEADER} header does not match this dashboard session`;
  }
  return null;
}

/** The origin the browser saw: the Host header (and X-Forwarded-Proto behind a TLS proxy). */
export function requestOrigin(request: Request): string {
  const url = new URL(request.url);
  const protocol = isHttps(request) ? "https:" : url.protocol;
  const host = request.headers.get("host") ?? url.host;
  return `${protocol}//${host}`;
}
