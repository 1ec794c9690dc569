// The dashboard's HTTP face on the control plane (docs/dashboard.md): the page at `/`, its bundled
// assets under /assets/, and sign-in, session and sign-out under /auth. Everything the page does
// after sign-in is a Management API operation at /manage/v1 (controlplane/api/rest.ts), which
// takes the session cookie, with its CSRF token on writes, as it takes a bearer key.
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { Elysia } from "elysia";
import * as v from "valibot";
import { newId } from "#shared/ids/ids.ts";
import { type AuthenticatedKey, authenticate, authenticateKeyId } from "../api/auth.ts";
import { ManagementError, renderError, validationError } from "../api/errors.ts";
import { issueSecretKey } from "../api/secret-keys.ts";
import type { Database } from "../db/client.ts";
import {
  type DashboardSessionRow,
  type MemberRow,
  managementKeys,
  members,
  orgs,
} from "../db/schema/index.ts";
import { ASSET_PREFIX, dashboardBundle } from "./bundle.ts";
import {
  clearedSessionCookie,
  createSession,
  csrfProblem,
  deleteExpiredSessions,
  deleteSession,
  findSession,
  SESSION_TTL_MS,
  sessionCookie,
  sessionToken,
} from "./sessions.ts";

const signInBody = v.union(
  [
    v.strictObject({ key: v.pipe(v.string(), v.minLength(1, "must not be empty")) }),
    v.strictObject({
      email: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.email("must be an email address")),
      password: v.pipe(v.string(), v.minLength(1, "must not be empty")),
      /** The org's slug, needed only when the email and password open more than one org. */
      org: v.optional(v.string()),
    }),
  ],
  "must be {key} or {email, password}",
);

/** Verified against when the email is unknown, so both answers take as long. */
const DUMMY_HASH = Bun.password.hash("modelux-no-such-member", { algorithm: "argon2id" });

const unauthenticated = (message: string) => new ManagementError("authentication", message);

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-cache",
  // Everything the page loads is its own (no CDN, no inline script).
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

export function dashboardRoutes(db: Database) {
  return new Elysia({ name: "dashboard" })
    .get("/", async () => new Response((await dashboardBundle()).html, { headers: PAGE_HEADERS }))
    .get(`${ASSET_PREFIX}:name`, async ({ params }) => {
      const asset = (await dashboardBundle()).assets.get(params.name);
      if (!asset) {
        return errorResponse(new ManagementError("not_found", `no asset ${params.name}`));
      }
      return new Response(asset.body, {
        headers: {
          "content-type": asset.type,
          // Names carry a content hash.
          "cache-control": "public, max-age=31536000, immutable",
          "x-content-type-options": "nosniff",
        },
      });
    })
    .post("/auth/sign-in", ({ request }) => respond(() => signIn(db, request)), { parse: "none" })
    .get("/auth/session", ({ request }) => respond(() => currentSession(db, request)))
    .post("/auth/sign-out", ({ request }) => respond(() => signOut(db, request)), {
      parse: "none",
    });
}

async function respond(handle: () => Promise<Response>): Promise<Response> {
  try {
    return await handle();
  } catch (thrown) {
    return errorResponse(thrown);
  }
}

function errorResponse(thrown: unknown): Response {
  const rendered = renderError(thrown);
  return Response.json(rendered.body, { status: rendered.status, headers: rendered.headers });
}

async function signIn(db: Database, request: Request): Promise<Response> {
  // A cross-site page may not sign a browser in (login CSRF): same origin or none.
  const problem = csrfProblem(request, null);
  if (problem) throw new ManagementError("forbidden", problem);
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new ManagementError("invalid_request", "the request body is not valid JSON", {
      fields: [{ field: "body", message: "not valid JSON" }],
    });
  }
  const parsed = v.safeParse(signInBody, body);
  if (!parsed.success) throw validationError("body", parsed.issues);
  const now = new Date();
  await deleteExpiredSessions(db, now);
  const expires = new Date(now.getTime() + SESSION_TTL_MS);
  const input = parsed.output;
  let session: { token: string; row: DashboardSessionRow };
  let caller: AuthenticatedKey;
  if ("key" in input) {
    caller = await authenticate(db, `Bearer ${input.key}`, now);
    session = await createSession(db, {
      management_key_id: caller.key_id,
      member_id: null,
      expires_at: expires,
    });
  } else {
    const member = await memberSigningIn(db, input.email, input.password, input.org);
    // The member acts through a key of their own made now, with their role, ending with the
    // session: the Management API's role checks, rate limit and audit apply unchanged.
    const keyId = newId("managementKey");
    await db.insert(managementKeys).values({
      id: keyId,
      org_id: member.org_id,
      member_id: member.id,
      name: `dashboard sign-in (${member.email})`,
      role: member.role,
      ...issueSecretKey("management").stored,
      expires_at: expires,
    });
    caller = await authenticateKeyId(db, keyId, now);
    session = await createSession(db, {
      management_key_id: keyId,
      member_id: member.id,
      expires_at: expires,
    });
  }
  const view = await sessionView(db, session.row, caller);
  return Response.json(
    { data: view },
    { headers: { "set-cookie": sessionCookie(request, session.token, session.row.expires_at) } },
  );
}

/** The member these credentials open; one answer for an unknown email and a wrong password. */
async function memberSigningIn(
  db: Database,
  email: string,
  password: string,
  orgSlug: string | undefined,
): Promise<MemberRow> {
  const candidates = await db
    .select({ member: members, slug: orgs.slug })
    .from(members)
    .innerJoin(orgs, eq(orgs.id, members.org_id))
    .where(and(eq(members.email, email), isNotNull(members.password_hash)));
  if (candidates.length === 0) await Bun.password.verify(password, await DUMMY_HASH);
  const matching = [];
  for (const candidate of candidates) {
    if (orgSlug !== undefined && candidate.slug !== orgSlug) continue;
    if (await Bun.password.verify(password, candidate.member.password_hash ?? "")) {
      matching.push(candidate);
    }
  }
  const [first, ...others] = matching;
  if (!first) throw unauthenticated("the email or password is wrong");
  if (others.length > 0) {
    const slugs = matching.map((candidate) => candidate.slug).join(", ");
    throw new ManagementError(
      "invalid_request",
      `these credentials open more than one org; name one in org (${slugs})`,
      { fields: [{ field: "body.org", message: `one of ${slugs}` }] },
    );
  }
  return first.member;
}

/** The session of the cookie, or `{data: null}` when not signed in (the page then asks). */
async function currentSession(db: Database, request: Request): Promise<Response> {
  const token = sessionToken(request);
  if (!token || !(await findSession(db, token))) return Response.json({ data: null });
  const { session, caller } = await sessionOf(db, request);
  return Response.json({ data: await sessionView(db, session, caller) });
}

async function signOut(db: Database, request: Request): Promise<Response> {
  const token = sessionToken(request);
  const session = token ? await findSession(db, token) : null;
  if (session) {
    const problem = csrfProblem(request, session.csrf_token);
    if (problem) throw new ManagementError("forbidden", problem);
    await deleteSession(db, session.id);
    if (session.member_id !== null) {
      await db
        .update(managementKeys)
        .set({ revoked_at: new Date() })
        .where(
          and(eq(managementKeys.id, session.management_key_id), isNull(managementKeys.revoked_at)),
        );
    }
  }
  return new Response(null, {
    status: 204,
    headers: { "set-cookie": clearedSessionCookie(request) },
  });
}

async function sessionOf(db: Database, request: Request) {
  const token = sessionToken(request);
  const session = token ? await findSession(db, token) : null;
  if (!session) throw unauthenticated("not signed in");
  const problem = csrfProblem(request, session.csrf_token);
  if (problem) throw new ManagementError("forbidden", problem);
  return { session, caller: await authenticateKeyId(db, session.management_key_id) };
}

async function sessionView(db: Database, session: DashboardSessionRow, caller: AuthenticatedKey) {
  const [org] = await db.select().from(orgs).where(eq(orgs.id, caller.org_id));
  const [member] = session.member_id
    ? await db.select().from(members).where(eq(members.id, session.member_id))
    : [];
  const [key] = await db
    .select({ id: managementKeys.id, name: managementKeys.name, prefix: managementKeys.key_prefix })
    .from(managementKeys)
    .where(eq(managementKeys.id, caller.key_id));
  return {
    csrf_token: session.csrf_token,
    expires_at: session.expires_at.toISOString(),
    role: caller.role,
    org: { id: caller.org_id, name: org?.name ?? null, slug: org?.slug ?? null },
    member: member ? { id: member.id, email: member.email, name: member.name } : null,
    key: key ?? null,
  };
}
