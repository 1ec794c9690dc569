// The dashboard's sign-in on real Postgres (docs/dashboard.md): a management key or a member's
// email and password (argon2id, set by an owner) opens an HTTP-only, SameSite=Strict session; the
// Management API's REST routes take its cookie, writes only with the CSRF token and from the same
// origin; the session acts with the role of its key (the member's, for a member), and ends.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { members } from "../../controlplane/db/schema/index.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("dashboard sessions (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  /** A browser of one site: keeps the session cookie, sends Origin like a browser does. */
  function browser(origin = harness.url) {
    let cookie: string | null = null;
    return {
      setCookie: (value: string | null) => {
        cookie = value;
      },
      get cookie() {
        return cookie;
      },
      async call(
        method: string,
        path: string,
        options: { body?: unknown; headers?: Record<string, string> } = {},
      ): Promise<{ status: number; body: Json; headers: Headers }> {
        const response = await fetch(`${harness.url}${path}`, {
          method,
          headers: {
            origin,
            ...(cookie ? { cookie } : {}),
            ...(options.body === undefined ? {} : { "content-type": "application/json" }),
            ...options.headers,
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
        const setCookie = response.headers.get("set-cookie");
        if (setCookie) cookie = setCookie.split(";")[0] ?? null;
        const text = await response.text();
        return {
          status: response.status,
          body: text ? JSON.parse(text) : null,
          headers: response.headers,
        };
      },
    };
  }

  test("a key signs in; reads take the cookie, writes need the CSRF token and the same origin", async () => {
    const client = browser();
    expect((await client.call("GET", "/auth/session")).body).toEqual({ data: null });
    const signedIn = await client.call("POST", "/auth/sign-in", {
      body: { key: harness.org.keys.developer },
    });
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^modelux_session=[\w-]{40,};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    const session = signedIn.body.data;
    expect(session).toMatchObject({ role: "developer", org: { id: harness.org.orgId } });
    expect(session.csrf_token).toMatch(/^[\w-]{40,}$/);

    expect((await client.call("GET", "/auth/session")).body.data.role).toBe("developer");
    const projects = await client.call("GET", "/manage/v1/projects");
    expect(projects.status).toBe(200);
    expect(projects.body.data.map((project: Json) => project.id)).toEqual([harness.org.projectId]);

    const key = { project_id: harness.org.projectId, name: "from the dashboard" };
    const noToken = await client.call("POST", "/manage/v1/api-keys", { body: key });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.message).toContain("x-csrf-token");
    const wrongToken = await client.call("POST", "/manage/v1/api-keys", {
      body: key,
      headers: { "x-csrf-token": "x".repeat(43) },
    });
    expect(wrongToken.status).toBe(403);
    const created = await client.call("POST", "/manage/v1/api-keys", {
      body: key,
      headers: { "x-csrf-token": session.csrf_token },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.key).toMatch(/^mlx_sk_/);

    // Another site's page cannot use the cookie, not even to read.
    const elsewhere = browser("https://evil.example");
    elsewhere.setCookie(client.cookie);
    const crossRead = await elsewhere.call("GET", "/manage/v1/projects");
    expect(crossRead.status).toBe(403);
    const crossWrite = await elsewhere.call("POST", "/manage/v1/api-keys", {
      body: key,
      headers: { "x-csrf-token": session.csrf_token },
    });
    expect(crossWrite.status).toBe(403);

    // The audit row names the key the session acts through.
    const audit = await harness.rest("GET", "/audit-log?resource_type=api_key");
    expect(audit.body.data[0]).toMatchObject({
      action: "api_key.created",
      actor: { type: "management_key", id: session.key.id },
    });

    // The role is the key's: a developer's session may not do an admin's write.
    const forbidden = await client.call("POST", "/manage/v1/members", {
      body: { email: "someone@example.com", role: "viewer" },
      headers: { "x-csrf-token": session.csrf_token },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.type).toBe("forbidden");

    // A bearer key still works beside the cookie; the header wins over the cookie.
    const bearer = await client.call("GET", "/manage/v1/members", {
      headers: { authorization: `Bearer ${harness.org.keys.viewer}` },
    });
    expect(bearer.status).toBe(200);

    const signedOut = await client.call("POST", "/auth/sign-out", {
      headers: { "x-csrf-token": session.csrf_token },
    });
    expect(signedOut.status).toBe(204);
    expect(signedOut.headers.get("set-cookie")).toContain("Max-Age=0");
    client.setCookie(cookie.split(";")[0] ?? null);
    const after = await client.call("GET", "/manage/v1/projects");
    expect(after.status).toBe(401);
    expect(after.body.error.message).toContain("sign in again");
  });

  test("a member signs in with the password an owner set, with the member's role", async () => {
    const body = { email: "Pat@Example.com", role: "viewer", password: "correct horse battery" };
    const byAdmin = await harness.rest("POST", "/members", { key: harness.org.keys.admin, body });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.error.message).toContain("password");
    const created = await harness.rest("POST", "/members", { body });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ email: "pat@example.com", password_set: true });
    expect(JSON.stringify(created.body)).not.toContain("argon2");
    const [row] = await database.handle.db
      .select()
      .from(members)
      .where(eq(members.id, created.body.data.id));
    expect(row?.password_hash).toStartWith("$argon2id$");
    expect(row?.password_hash).not.toContain(body.password);

    const short = await harness.rest("PATCH", `/members/${created.body.data.id}`, {
      body: { password: "short" },
    });
    expect(short.status).toBe(400);
    expect(short.body.error.fields[0].field).toBe("body.password");

    const client = browser();
    const wrong = await client.call("POST", "/auth/sign-in", {
      body: { email: "pat@example.com", password: "wrong password!" },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toBe("the email or password is wrong");
    const unknown = await client.call("POST", "/auth/sign-in", {
      body: { email: "nobody@example.com", password: "wrong password!" },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe("the email or password is wrong");
    const odd = await client.call("POST", "/auth/sign-in", {
      body: { email: "pat@example.com", password: "x", remember: true },
    });
    expect(odd.status).toBe(400);

    const signedIn = await client.call("POST", "/auth/sign-in", {
      body: { email: "pat@example.com", password: body.password },
    });
    expect(signedIn.status).toBe(200);
    const session = signedIn.body.data;
    expect(session).toMatchObject({ role: "viewer", member: { email: "pat@example.com" } });
    expect((await client.call("GET", "/manage/v1/projects")).status).toBe(200);
    const denied = await client.call("POST", "/manage/v1/api-keys", {
      body: { project_id: harness.org.projectId, name: "viewer's try" },
      headers: { "x-csrf-token": session.csrf_token },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("needs the developer role");

    // A cross-site page cannot sign a browser in.
    const elsewhere = browser("https://evil.example");
    const crossSignIn = await elsewhere.call("POST", "/auth/sign-in", {
      body: { email: "pat@example.com", password: body.password },
    });
    expect(crossSignIn.status).toBe(403);

    // A new password ends the session and the old one opens nothing.
    await harness.rest("PATCH", `/members/${created.body.data.id}`, {
      body: { password: "another long password" },
    });
    expect((await client.call("GET", "/manage/v1/projects")).status).toBe(401);
    const old = await client.call("POST", "/auth/sign-in", {
      body: { email: "pat@example.com", password: body.password },
    });
    expect(old.status).toBe(401);
    // argon2id is slow on purpose: seven hashes and checks take seconds on a loaded machine.
  }, 30_000);
});
