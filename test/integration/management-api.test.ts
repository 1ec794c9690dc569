// The Management API's conventions on real Postgres: management-key authentication, the
// envelope and error shape, field-level validation, cursor pagination, Idempotency-Key,
// the per-key rate limit, roles on every operation, and the audit log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { deleteExpiredIdempotencyKeys } from "../../controlplane/api/idempotency.ts";
import { ROLES, type Role } from "../../controlplane/api/operation.ts";
import { deleteOldRateLimitWindows } from "../../controlplane/api/rate-limit.ts";
import { OPERATIONS } from "../../controlplane/api/registry.ts";
import {
  auditLog,
  idempotencyKeys,
  managementKeys,
  managementRateLimits,
  projects,
} from "../../controlplane/db/schema/index.ts";
import { type ManagementHarness, startManagementHarness } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("Management API conventions (Postgres)", () => {
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

  async function insertKey(
    values: { expires_at?: Date; revoked_at?: Date; rpm_limit?: number; role?: Role } = {},
  ) {
    const key = newSecretKey("management");
    await database.handle.db.insert(managementKeys).values({
      id: newId("managementKey"),
      org_id: harness.org.orgId,
      name: "extra",
      role: "owner",
      key_hash: hashKey(key),
      key_prefix: keyDisplayPrefix(key),
      ...values,
    });
    return key;
  }

  test("refuses requests without a live management key, in the error shape", async () => {
    const cases: Array<[string, string]> = [
      ["", "missing"],
      [newSecretKey("proxy"), "management key (mlx_mk_"],
      [newSecretKey("management"), "unknown"],
      [await insertKey({ revoked_at: new Date() }), "revoked"],
      [await insertKey({ expires_at: new Date(Date.now() - 1000) }), "expired"],
    ];
    for (const [key, message] of cases) {
      const response = await harness.rest("GET", "/projects", { key });
      expect(response.status).toBe(401);
      expect(response.body.error.type).toBe("authentication");
      expect(response.body.error.status).toBe(401);
      expect(response.body.error.code).toBe("authentication");
      expect(response.body.error.message).toContain(message);
    }
  });

  test("answers {data} and {data, next_cursor}, with a request id", async () => {
    const org = await harness.rest("GET", "/org");
    expect(org.status).toBe(200);
    expect(org.body.data.id).toBe(harness.org.orgId);
    expect(org.headers.get("x-request-id")).toBeTruthy();
    const list = await harness.rest("GET", "/projects");
    expect(Array.isArray(list.body.data)).toBe(true);
    expect(list.body).toHaveProperty("next_cursor", null);
  });

  test("names every failing field, and malformed JSON, unknown fields and unknown paths", async () => {
    const invalid = await harness.rest("POST", "/projects", {
      body: { name: "", slug: "Not A Slug", settings: { capture_content: "yes", extra: 1 } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.type).toBe("invalid_request");
    const fields = invalid.body.error.fields.map((problem: { field: string }) => problem.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "body.name",
        "body.slug",
        "body.settings.capture_content",
        "body.settings.extra",
      ]),
    );
    const malformed = await harness.rest("POST", "/projects", {
      headers: { "content-type": "application/json" },
      body: undefined,
    });
    expect(malformed.status).toBe(400);
    const broken = await fetch(`${harness.url}/manage/v1/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${harness.org.keys.owner}` },
      body: "{not json",
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { message: string } }).error.message).toContain(
      "not valid JSON",
    );
    const unknownQuery = await harness.rest("GET", "/projects?colour=red");
    expect(unknownQuery.status).toBe(400);
    expect(unknownQuery.body.error.fields[0].field).toBe("query.colour");
    const nowhere = await harness.rest("GET", "/no-such-thing");
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error.type).toBe("not_found");
  });

  test("pages lists newest first with next_cursor until the last page", async () => {
    for (let index = 0; index < 5; index++) {
      const created = await harness.rest("POST", "/projects", {
        body: { name: `paged ${index}`, slug: `paged-${index}` },
      });
      expect(created.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : "";
      const page = await harness.rest("GET", `/projects?limit=2${query}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((project: { slug: string }) => project.slug));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3); // 6 projects: main + 5
    expect(seen.slice(0, 5)).toEqual(["paged-4", "paged-3", "paged-2", "paged-1", "paged-0"]);
    expect(new Set(seen).size).toBe(6);
    const tooMany = await harness.rest("GET", "/projects?limit=1000");
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.fields[0].field).toBe("query.limit");
  });

  test("Idempotency-Key: the same request gets the stored response, another request 409", async () => {
    const headers = { "idempotency-key": `create-project-${Date.now()}` };
    const body = { name: "Idempotent", slug: "idempotent" };
    const first = await harness.rest("POST", "/projects", { body, headers });
    expect(first.status).toBe(201);
    const again = await harness.rest("POST", "/projects", { body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const rows = await database.handle.db
      .select()
      .from(projects)
      .where(eq(projects.slug, "idempotent"));
    expect(rows.length).toBe(1);

    const different = await harness.rest("POST", "/projects", {
      body: { ...body, slug: "something-else" },
      headers,
    });
    expect(different.status).toBe(409);
    expect(different.body.error.message).toContain("different request");

    // A refused request is stored too: the retry gets the same refusal, not a second attempt.
    const refusalHeaders = { "idempotency-key": `dup-${Date.now()}` };
    const refused = await harness.rest("POST", "/projects", { body, headers: refusalHeaders });
    expect(refused.status).toBe(409);
    const refusedAgain = await harness.rest("POST", "/projects", { body, headers: refusalHeaders });
    expect(refusedAgain.body).toEqual(refused.body);
  });

  test("idempotency keys and rate-limit windows expire", async () => {
    const headers = { "idempotency-key": `old-${Date.now()}` };
    const first = await harness.rest("POST", "/projects", {
      body: { name: "Old", slug: "old-1" },
      headers,
    });
    expect(first.status).toBe(201);
    const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000);
    await database.handle.db
      .update(idempotencyKeys)
      .set({ created_at: dayAgo })
      .where(eq(idempotencyKeys.key, headers["idempotency-key"]));
    // After 24 h the key is free again: another request with it runs.
    const reused = await harness.rest("POST", "/projects", {
      body: { name: "Old", slug: "old-2" },
      headers,
    });
    expect(reused.status).toBe(201);
    await database.handle.db.update(idempotencyKeys).set({ created_at: dayAgo });
    await database.handle.db.update(managementRateLimits).set({ window_start: dayAgo });
    await deleteExpiredIdempotencyKeys(database.handle.db);
    await deleteOldRateLimitWindows(database.handle.db);
    expect(await database.handle.db.select().from(idempotencyKeys)).toEqual([]);
    expect(await database.handle.db.select().from(managementRateLimits)).toEqual([]);
  });

  test("limits each key per minute with 429 and retry-after", async () => {
    // Windows are calendar minutes: start early enough in one that four requests share it.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 55_000) await Bun.sleep(60_000 - intoWindow + 50);
    const key = await insertKey({ rpm_limit: 3 });
    for (let index = 0; index < 3; index++) {
      const response = await harness.rest("GET", "/org", { key });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-ratelimit-limit")).toBe("3");
    }
    const limited = await harness.rest("GET", "/org", { key });
    expect(limited.status).toBe(429);
    expect(limited.body.error.type).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Other keys are not affected.
    expect((await harness.rest("GET", "/org")).status).toBe(200);
  });

  test("enforces the role of every operation", async () => {
    const { keys } = harness.org;
    const refusals: Array<[string, string, string, unknown]> = [
      ["viewer", "POST", "/projects", { name: "v", slug: "viewer-made" }],
      ["viewer", "POST", "/api-keys", { project_id: harness.org.projectId, name: "v" }],
      ["developer", "POST", "/providers", { vendor: "openai", name: "x", api_key: "sk-1" }],
      ["developer", "GET", "/audit-log", undefined],
      ["admin", "PATCH", "/org", { name: "renamed" }],
      ["admin", "POST", "/management-keys", { name: "escalate", role: "owner" }],
      ["admin", "POST", "/members", { email: "boss@example.com", role: "owner" }],
    ];
    for (const [role, method, path, body] of refusals) {
      const response = await harness.rest(method, path, { key: keys[role as "viewer"], body });
      expect(`${role} ${method} ${path} ${response.status}`).toBe(`${role} ${method} ${path} 403`);
      expect(response.body.error.type).toBe("forbidden");
    }
    expect((await harness.rest("GET", "/projects", { key: keys.viewer })).status).toBe(200);
    const developerKey = await harness.rest("POST", "/api-keys", {
      key: keys.developer,
      body: { project_id: harness.org.projectId, name: "dev" },
    });
    expect(developerKey.status).toBe(201);
    // Every operation refuses the role just below its own, before looking at the input.
    const below: Partial<Record<Role, string>> = {};
    for (const role of ROLES.slice(0, -1)) below[role] = await insertKey({ role, rpm_limit: 1000 });
    for (const operation of OPERATIONS) {
      if (operation.method !== "GET") expect(operation.role).not.toBe("viewer");
      const weaker = ROLES[ROLES.indexOf(operation.role) - 1];
      if (!weaker) continue;
      const path = operation.path.replace(/\{\w+\}/g, "x1");
      const response = await harness.rest(operation.method, path, {
        key: below[weaker],
        body: operation.body ? {} : undefined,
      });
      expect(`${operation.id} as ${weaker}: ${response.status}`).toBe(
        `${operation.id} as ${weaker}: 403`,
      );
    }
  });

  test("audits every change with the key, before and after, and no secrets", async () => {
    const created = await harness.rest("POST", "/api-keys", {
      body: { project_id: harness.org.projectId, name: "audited" },
    });
    const id = created.body.data.id;
    await harness.rest("PATCH", `/api-keys/${id}`, { body: { name: "audited-2" } });
    await harness.rest("POST", `/api-keys/${id}/revoke`);
    const entries = await harness.rest("GET", `/audit-log?resource_id=${id}`);
    expect(entries.status).toBe(200);
    expect(entries.body.data.map((entry: { action: string }) => entry.action)).toEqual([
      "api_key.revoked",
      "api_key.updated",
      "api_key.created",
    ]);
    const [revoked, updated] = entries.body.data;
    expect(updated.before.name).toBe("audited");
    expect(updated.after.name).toBe("audited-2");
    expect(revoked.after.status).toBe("revoked");
    expect(revoked.actor.type).toBe("management_key");
    expect(revoked.actor.id).toStartWith("mkey_");
    expect(revoked.request_id).toBeTruthy();
    const filtered = await harness.rest("GET", "/audit-log?action=api_key.updated&limit=100");
    expect(
      filtered.body.data.every((entry: { action: string }) => entry.action === "api_key.updated"),
    ).toBe(true);
    const future = await harness.rest(
      "GET",
      `/audit-log?since=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(future.body.data).toEqual([]);
    const stored = JSON.stringify(await database.handle.db.select().from(auditLog));
    expect(stored).not.toContain(created.body.data.key);
    expect(stored).not.toContain("key_hash");
  });
});
