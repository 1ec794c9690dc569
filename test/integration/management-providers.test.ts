// Providers through the REST API on real Postgres: checked against the simulator before they are
// stored, encrypted, rotated only to a working credential, protected while configs use them, and
// never shown, logged or audited in the clear.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog, providers } from "../../controlplane/db/schema/index.ts";
import {
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const OPENAI_SECRET = "sk-proj-very-secret-0001";
const ROTATED_SECRET = "sk-proj-very-secret-0002";

describe.skipIf(servicesAbsent)("providers (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let rejecting: ReturnType<typeof Bun.serve>;
  const responses: string[] = [];
  let openaiId = "";

  const call = async (...args: Parameters<ManagementHarness["rest"]>) => {
    const response = await harness.rest(...args);
    responses.push(JSON.stringify(response.body));
    return response;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
    // An upstream that accepts only credentials starting with sk-good.
    rejecting = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request) =>
        request.headers.get("authorization")?.startsWith("Bearer sk-good")
          ? Response.json({ object: "list", data: [] })
          : Response.json({ error: { message: "bad key" } }, { status: 401 }),
    });
  });
  afterAll(async () => {
    await rejecting?.stop(true);
    await harness?.stop();
    await database?.drop();
  });

  test("a provider is checked against the upstream, then stored encrypted", async () => {
    const base = `${harness.simulator.url}/v1`;
    const created = await call("POST", "/providers", {
      body: { vendor: "openai", name: "openai-main", api_key: OPENAI_SECRET, base_url: base },
    });
    expect(created.status).toBe(201);
    openaiId = created.body.data.id;
    expect(created.body.data).toMatchObject({
      vendor: "openai",
      credential_hint: "…0001",
      last_verification: { ok: true, status_code: 200 },
    });
    const anthropic = await call("POST", "/providers", {
      body: { vendor: "anthropic", name: "claude", api_key: "sk-ant-secret-9999", base_url: base },
    });
    expect(anthropic.status).toBe(201);
    const [row] = await database.handle.db
      .select()
      .from(providers)
      .where(eq(providers.id, openaiId));
    expect(row?.credential_ciphertext).not.toContain(OPENAI_SECRET);
    expect(testSecretBox.decrypt(row?.credential_ciphertext ?? "")).toBe(OPENAI_SECRET);
    const duplicate = await call("POST", "/providers", {
      body: { vendor: "openai", name: "openai-main", api_key: OPENAI_SECRET, base_url: base },
    });
    expect(duplicate.status).toBe(409);
  });

  test("a credential the upstream rejects, or an unreachable base URL, is refused and not stored", async () => {
    const rejected = await call("POST", "/providers", {
      body: {
        vendor: "openai",
        name: "rejected",
        api_key: "sk-wrong",
        base_url: `http://127.0.0.1:${rejecting.port}/v1`,
      },
    });
    expect(rejected.status).toBe(422);
    expect(rejected.body.error.fields[0].field).toBe("body.api_key");
    // A category, not the upstream's status line or body.
    expect(rejected.body.error.message).toContain("rejected the credential (HTTP 4xx)");
    const unreachable = await call("POST", "/providers", {
      body: {
        vendor: "openai",
        name: "nowhere",
        api_key: "sk-x",
        base_url: "http://127.0.0.1:9/v1",
      },
    });
    expect(unreachable.status).toBe(422);
    expect(unreachable.body.error.fields[0].field).toBe("body.base_url");
    const bedrock = await call("POST", "/providers", {
      body: { vendor: "bedrock", name: "aws", api_key: "just-one-part" },
    });
    expect(bedrock.status).toBe(400);
    const names = (await call("GET", "/providers")).body.data.map((p: { name: string }) => p.name);
    expect(names.sort()).toEqual(["claude", "openai-main"]);
  });

  test("rotation checks the new credential before swapping; health reports the last check", async () => {
    const refused = await call("POST", `/providers/${openaiId}/rotate-credential`, {
      body: { api_key: "" },
    });
    expect(refused.status).toBe(400);
    await call("PATCH", `/providers/${openaiId}`, {
      body: { base_url: `http://127.0.0.1:${rejecting.port}/v1` },
    }).then((response) => expect(response.status).toBe(422));
    const rotated = await call("POST", `/providers/${openaiId}/rotate-credential`, {
      body: { api_key: ROTATED_SECRET },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.credential_hint).toBe("…0002");
    const [row] = await database.handle.db
      .select()
      .from(providers)
      .where(eq(providers.id, openaiId));
    expect(testSecretBox.decrypt(row?.credential_ciphertext ?? "")).toBe(ROTATED_SECRET);

    const health = await call("GET", `/providers/${openaiId}/health`, {
      key: harness.org.keys.viewer,
    });
    expect(health.body.data).toMatchObject({
      provider_id: openaiId,
      status: "healthy",
      dataplane: null,
    });
    const verified = await call("POST", `/providers/${openaiId}/verify`, {
      key: harness.org.keys.developer,
    });
    expect(verified.body.data.last_verification.ok).toBe(true);
  });

  test("a rotation to a credential the upstream rejects keeps the old one", async () => {
    const base_url = `http://127.0.0.1:${rejecting.port}/v1`;
    const created = await call("POST", "/providers", {
      body: { vendor: "openai-compatible", name: "picky", api_key: "sk-good-first", base_url },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    const refused = await call("POST", `/providers/${id}/rotate-credential`, {
      body: { api_key: "sk-bad-second" },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.fields[0].field).toBe("body.api_key");
    const [kept] = await database.handle.db.select().from(providers).where(eq(providers.id, id));
    expect(testSecretBox.decrypt(kept?.credential_ciphertext ?? "")).toBe("sk-good-first");
    const swapped = await call("POST", `/providers/${id}/rotate-credential`, {
      body: { api_key: "sk-good-third" },
    });
    expect(swapped.body.data.credential_hint).toBe("…hird");
    expect((await call("DELETE", `/providers/${id}`)).status).toBe(200);
  });

  test("a provider in use cannot be deleted or renamed; once unused it can", async () => {
    const saved = await call("POST", "/routing-configs", {
      body: {
        project_id: harness.org.projectId,
        slug: "prod",
        config: { strategy: "single", model: "gpt-4o", provider: "openai-main" },
      },
    });
    const prod = saved.body.data.id;
    const inUse = await call("DELETE", `/providers/${openaiId}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toContain("@prod");
    const rename = await call("PATCH", `/providers/${openaiId}`, { body: { name: "renamed" } });
    expect(rename.status).toBe(409);
    // By id, inside a fallback attempt, counts as well.
    await call("PATCH", `/routing-configs/${prod}`, {
      body: {
        config: {
          strategy: "fallback",
          attempts: [{ model: "gpt-4o", provider: openaiId }],
          retry_on: ["5xx"],
        },
      },
    });
    expect((await call("DELETE", `/providers/${openaiId}`)).status).toBe(409);
    const removedConfig = await call("DELETE", `/routing-configs/${prod}`);
    expect(removedConfig.body.data.deleted).toBe(true);
    expect((await call("GET", `/routing-configs/${prod}`)).status).toBe(404);
    const budget = await call("POST", "/budgets", {
      body: {
        name: "downgrader",
        scope: { type: "org" },
        period: "monthly",
        cap_usd: 10,
        action: "downgrade",
        downgrade_to: { model: "gpt-4o-mini", provider: "openai-main" },
      },
    });
    expect(budget.status).toBe(201);
    expect((await call("DELETE", `/providers/${openaiId}`)).body.error.message).toContain(
      "downgrader",
    );
    await call("DELETE", `/budgets/${budget.body.data.id}`);
    const deleted = await call("DELETE", `/providers/${openaiId}`);
    expect(deleted.status).toBe(200);
  });

  test("no provider credential appears in any response, audit row or log", async () => {
    const everything = [
      ...responses,
      JSON.stringify(await database.handle.db.select().from(auditLog)),
      ...harness.logs,
    ].join("\n");
    const secrets = [OPENAI_SECRET, ROTATED_SECRET, "sk-ant-secret-9999", "sk-wrong"];
    for (const secret of [...secrets, "sk-good-first", "sk-bad-second", "sk-good-third"]) {
      expect(everything).not.toContain(secret);
    }
  });
});
