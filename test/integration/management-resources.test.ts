// Orgs, members, projects, proxy API keys and management keys through the REST API on real
// Postgres: what each operation changes, what it refuses, and what it tells the fleet.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { hashKey } from "#shared/ids/ids.ts";
import { apiKeys, members } from "../../controlplane/db/schema/index.ts";
import { type ManagementHarness, startManagementHarness } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("Management API resources (Postgres)", () => {
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

  test("org: read and renamed by an owner", async () => {
    const renamed = await harness.rest("PATCH", "/org", { body: { name: "Acme Inc" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.name).toBe("Acme Inc");
    expect(
      (await harness.rest("GET", "/org", { key: harness.org.keys.viewer })).body.data.name,
    ).toBe("Acme Inc");
  });

  test("members: roles, the last owner kept, linked keys demoted and revoked with the member", async () => {
    const owner = await harness.rest("POST", "/members", {
      body: { email: "Owner@Example.com", name: "Olive", role: "owner" },
    });
    expect(owner.status).toBe(201);
    expect(owner.body.data.email).toBe("owner@example.com");
    const duplicate = await harness.rest("POST", "/members", {
      body: { email: "owner@example.com", role: "viewer" },
    });
    expect(duplicate.status).toBe(409);
    const lastOwner = await harness.rest("PATCH", `/members/${owner.body.data.id}`, {
      body: { role: "admin" },
    });
    expect(lastOwner.status).toBe(409);
    expect(lastOwner.body.error.message).toContain("last owner");

    const dev = await harness.rest("POST", "/members", {
      key: harness.org.keys.admin,
      body: { email: "dev@example.com", role: "admin" },
    });
    expect(dev.status).toBe(201);
    const linked = await harness.rest("POST", "/management-keys", {
      key: harness.org.keys.admin,
      body: { name: "dev's key", role: "admin", member_id: dev.body.data.id },
    });
    expect(linked.status).toBe(201);
    const devKey = linked.body.data.key as string;
    expect((await harness.rest("GET", "/audit-log", { key: devKey })).status).toBe(200);
    // Demoting the member demotes their key on the next request.
    await harness.rest("PATCH", `/members/${dev.body.data.id}`, { body: { role: "viewer" } });
    expect((await harness.rest("GET", "/audit-log", { key: devKey })).status).toBe(403);
    const listed = await harness.rest("GET", "/members?role=viewer");
    expect(listed.body.data.map((member: { email: string }) => member.email)).toContain(
      "dev@example.com",
    );
    const removed = await harness.rest("DELETE", `/members/${dev.body.data.id}`);
    expect(removed.body.data).toEqual({ id: dev.body.data.id, deleted: true });
    expect((await harness.rest("GET", "/org", { key: devKey })).status).toBe(401);
    expect((await harness.rest("GET", `/members/${dev.body.data.id}`)).status).toBe(404);
    const rows = await database.handle.db
      .select()
      .from(members)
      .where(eq(members.org_id, harness.org.orgId));
    expect(rows.map((row) => row.email)).toEqual(["owner@example.com"]);
  });

  test("projects: settings validated, merged and defaulted", async () => {
    const created = await harness.rest("POST", "/projects", {
      body: {
        name: "Support bot",
        slug: "support",
        settings: { capture_content: true, redaction: { enabled: true, builtin: ["email"] } },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.settings).toEqual({
      rpm_limit: null,
      tpm_limit: null,
      auto_resolve_bare_model: true,
      capture_content: true,
      redaction: { enabled: true, builtin: ["email"], patterns: [], replacement: "[REDACTED]" },
      trace_retention_days: 30,
      provider_keys: "allow",
    });
    const id = created.body.data.id;
    const updated = await harness.rest("PATCH", `/projects/${id}`, {
      body: { settings: { auto_resolve_bare_model: false } },
    });
    expect(updated.body.data.settings.auto_resolve_bare_model).toBe(false);
    expect(updated.body.data.settings.capture_content).toBe(true);
    const requiring = await harness.rest("PATCH", `/projects/${id}`, {
      body: { settings: { provider_keys: "require" } },
    });
    expect(requiring.body.data.settings.provider_keys).toBe("require");
    const badPolicy = await harness.rest("PATCH", `/projects/${id}`, {
      body: { settings: { provider_keys: "sometimes" } },
    });
    expect(badPolicy.status).toBe(400);
    expect(badPolicy.body.error.fields[0].field).toBe("body.settings.provider_keys");
    const badPattern = await harness.rest("PATCH", `/projects/${id}`, {
      body: { settings: { redaction: { enabled: true, patterns: ["(unclosed"] } } },
    });
    expect(badPattern.status).toBe(400);
    expect(badPattern.body.error.fields[0].field).toBe("body.settings.redaction.patterns.0");
    const got = await harness.rest("GET", `/projects/${id}`, { key: harness.org.keys.viewer });
    expect(got.body.data.slug).toBe("support");
  });

  test("API keys: shown once, hashed, revoked fleet-wide, announced", async () => {
    const created = await harness.rest("POST", "/api-keys", {
      key: harness.org.keys.developer,
      body: {
        project_id: harness.org.projectId,
        name: "backend",
        rpm_limit: 120,
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    const { key, id, prefix } = created.body.data;
    expect(key).toStartWith("mlx_sk_");
    expect(key.startsWith(prefix)).toBe(true);
    const [row] = await database.handle.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(row?.key_hash).toBe(hashKey(key));
    const fetched = await harness.rest("GET", `/api-keys/${id}`);
    expect(fetched.body.data.key).toBeUndefined();
    expect(JSON.stringify(fetched.body)).not.toContain(key);
    expect(fetched.body.data).toMatchObject({ status: "active", rpm_limit: 120 });

    const patched = await harness.rest("PATCH", `/api-keys/${id}`, {
      body: { rpm_limit: null, expires_at: null },
    });
    expect(patched.body.data).toMatchObject({ rpm_limit: null, expires_at: null });
    const past = await harness.rest("PATCH", `/api-keys/${id}`, {
      body: { expires_at: "2001-01-01T00:00:00Z" },
    });
    expect(past.status).toBe(400);

    const revoked = await harness.rest("POST", `/api-keys/${id}/revoke`);
    expect(revoked.body.data.status).toBe("revoked");
    expect(revoked.body.data.fleet).toEqual({ notified: true, warning: null });
    expect(harness.controlEvents).toContainEqual({
      type: "api_key.revoked",
      key_id: id,
      key_hash: hashKey(key),
    });
    const again = await harness.rest("POST", `/api-keys/${id}/revoke`);
    expect(again.body.data.revoked_at).toBe(revoked.body.data.revoked_at);
    const active = await harness.rest("GET", `/api-keys?project_id=${harness.org.projectId}`);
    expect(active.body.data.map((item: { id: string }) => item.id)).not.toContain(id);
    const all = await harness.rest("GET", "/api-keys?include_revoked=true");
    expect(all.body.data.map((item: { id: string }) => item.id)).toContain(id);
    expect((await harness.rest("PATCH", `/api-keys/${id}`, { body: { name: "x" } })).status).toBe(
      409,
    );
  });

  test("deleting a project takes its keys with it and tells the fleet", async () => {
    const project = await harness.rest("POST", "/projects", {
      body: { name: "Doomed", slug: "doomed" },
    });
    const key = await harness.rest("POST", "/api-keys", {
      body: { project_id: project.body.data.id, name: "doomed key" },
    });
    const removed = await harness.rest("DELETE", `/projects/${project.body.data.id}`);
    expect(removed.status).toBe(200);
    expect(harness.controlEvents.map((event) => "key_id" in event && event.key_id)).toContain(
      key.body.data.id,
    );
    expect((await harness.rest("GET", `/api-keys/${key.body.data.id}`)).status).toBe(404);
  });

  test("management keys: shown once, never above the creator's role, revocable", async () => {
    const created = await harness.rest("POST", "/management-keys", {
      key: harness.org.keys.admin,
      body: { name: "ci", role: "developer", rpm_limit: 30 },
    });
    expect(created.status).toBe(201);
    const { key, id } = created.body.data;
    expect(key).toStartWith("mlx_mk_");
    const usable = await harness.rest("GET", "/projects", { key });
    expect(usable.status).toBe(200);
    expect(usable.headers.get("x-ratelimit-limit")).toBe("30");
    const listed = await harness.rest("GET", "/management-keys", { key: harness.org.keys.admin });
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const ownerKey = await harness.rest("POST", "/management-keys", {
      body: { name: "second owner", role: "owner" },
    });
    expect(ownerKey.status).toBe(201);
    const adminRevokesOwner = await harness.rest(
      "POST",
      `/management-keys/${ownerKey.body.data.id}/revoke`,
      { key: harness.org.keys.admin },
    );
    expect(adminRevokesOwner.status).toBe(403);

    const revoked = await harness.rest("POST", `/management-keys/${id}/revoke`, {
      key: harness.org.keys.admin,
    });
    expect(revoked.body.data.status).toBe("revoked");
    expect((await harness.rest("GET", "/projects", { key })).status).toBe(401);
  });
});
