// Tenancy: a management key sees and changes its own org only. Another org's objects answer 404
// to every read, change and delete, never appear in lists, and cannot be referenced, whether by
// a new key, a routing config, a budget or a management key, on REST and on MCP alike.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { newId } from "#shared/ids/ids.ts";
import { budgetEvents } from "../../controlplane/db/schema/index.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("tenancy (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  // Objects of org A (harness.org), attacked with org B's owner key.
  const ids: Record<string, string> = {};
  let intruder: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle, {
      env: { MODELUX_MANAGEMENT_RPM: "1000" },
    });
    intruder = harness.other.keys.owner;
    const { projectId } = harness.org;
    const create = async (path: string, body: unknown): Promise<Json> => {
      const response = await harness.rest("POST", path, { body });
      if (response.status >= 300) throw new Error(`${path}: ${JSON.stringify(response.body)}`);
      return response.body.data;
    };
    ids.project = projectId;
    ids.member = (await create("/members", { email: "a@example.com", role: "viewer" })).id;
    ids.apiKey = (await create("/api-keys", { project_id: projectId, name: "a" })).id;
    ids.managementKey = (await create("/management-keys", { name: "a", role: "viewer" })).id;
    ids.provider = (
      await create("/providers", {
        vendor: "openai",
        name: "a-openai",
        api_key: "sk-a-secret",
        base_url: `${harness.simulator.url}/v1`,
      })
    ).id;
    ids.config = (
      await create("/routing-configs", {
        project_id: projectId,
        slug: "a-config",
        config: { strategy: "single", model: "gpt-4o" },
      })
    ).id;
    const budget = await create("/budgets", {
      name: "a",
      scope: { type: "org" },
      period: "daily",
      cap_usd: 1,
    });
    ids.budget = budget.id;
    await database.handle.db.insert(budgetEvents).values({
      id: newId("budgetEvent"),
      budget_id: budget.id,
      period_start: new Date(),
      type: "exceeded",
      threshold: 1,
      spend_usd: 2,
    });
    const receiver = `${harness.simulator.url}/hook`;
    ids.webhook = (await create("/webhooks", { url: receiver, event_types: ["*"] })).id;
    const deliveries = await harness.rest("POST", `/webhooks/${ids.webhook}/test`);
    ids.delivery = deliveries.body.data.id;
    const audit = await harness.rest("GET", "/audit-log?limit=1");
    ids.audit = audit.body.data[0].id;
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  test("another org's objects answer 404 to reads, changes and deletes", async () => {
    const attempts: Array<[string, string, unknown?]> = [
      ["GET", `/projects/${ids.project}`],
      ["PATCH", `/projects/${ids.project}`, { name: "pwned" }],
      ["DELETE", `/projects/${ids.project}`],
      ["GET", `/members/${ids.member}`],
      ["PATCH", `/members/${ids.member}`, { role: "owner" }],
      ["DELETE", `/members/${ids.member}`],
      ["GET", `/api-keys/${ids.apiKey}`],
      ["PATCH", `/api-keys/${ids.apiKey}`, { name: "pwned" }],
      ["POST", `/api-keys/${ids.apiKey}/revoke`],
      ["GET", `/management-keys/${ids.managementKey}`],
      ["POST", `/management-keys/${ids.managementKey}/revoke`],
      ["GET", `/providers/${ids.provider}`],
      ["GET", `/providers/${ids.provider}/health`],
      ["PATCH", `/providers/${ids.provider}`, { name: "pwned" }],
      ["POST", `/providers/${ids.provider}/verify`],
      ["POST", `/providers/${ids.provider}/rotate-credential`, { api_key: "sk-mine" }],
      ["DELETE", `/providers/${ids.provider}`],
      ["GET", `/routing-configs/${ids.config}`],
      ["PATCH", `/routing-configs/${ids.config}`, { config: { strategy: "single", model: "x" } }],
      ["GET", `/routing-configs/${ids.config}/versions`],
      ["GET", `/routing-configs/${ids.config}/versions/1`],
      ["GET", `/routing-configs/${ids.config}/diff?from=1&to=1`],
      ["POST", `/routing-configs/${ids.config}/rollback`, { version: 1 }],
      ["DELETE", `/routing-configs/${ids.config}`],
      ["GET", `/budgets/${ids.budget}`],
      ["PATCH", `/budgets/${ids.budget}`, { cap_usd: 1000 }],
      ["GET", `/budgets/${ids.budget}/events`],
      ["DELETE", `/budgets/${ids.budget}`],
      ["GET", `/webhooks/${ids.webhook}`],
      ["PATCH", `/webhooks/${ids.webhook}`, { url: "https://evil.example.com" }],
      ["POST", `/webhooks/${ids.webhook}/rotate-secret`],
      ["POST", `/webhooks/${ids.webhook}/test`],
      ["GET", `/webhooks/${ids.webhook}/deliveries`],
      ["GET", `/webhooks/${ids.webhook}/deliveries/${ids.delivery}`],
      ["POST", `/webhooks/${ids.webhook}/deliveries/${ids.delivery}/replay`],
      ["DELETE", `/webhooks/${ids.webhook}`],
      ["GET", `/audit-log/${ids.audit}`],
    ];
    for (const [method, path, body] of attempts) {
      const response = await harness.rest(method, path, { key: intruder, body });
      expect(`${method} ${path} → ${response.status}`).toBe(`${method} ${path} → 404`);
      expect(response.body.error.type).toBe("not_found");
    }
    // Everything is still there for its owner.
    for (const path of [
      `/projects/${ids.project}`,
      `/providers/${ids.provider}`,
      `/webhooks/${ids.webhook}`,
    ]) {
      expect((await harness.rest("GET", path)).status).toBe(200);
    }
    const config = await harness.rest("GET", `/routing-configs/${ids.config}`);
    expect(config.body.data.current_version).toBe(1);
  });

  test("lists show the caller's org only", async () => {
    const lists = [
      "/projects",
      "/members",
      "/api-keys",
      "/management-keys",
      "/providers",
      "/routing-configs",
      "/budgets",
      "/webhooks",
      "/audit-log",
    ];
    for (const path of lists) {
      const response = await harness.rest("GET", `${path}?limit=100`, { key: intruder });
      expect(response.status).toBe(200);
      const seen = JSON.stringify(response.body);
      for (const id of Object.values(ids)) expect(seen).not.toContain(id);
    }
    const org = await harness.rest("GET", "/org", { key: intruder });
    expect(org.body.data.id).toBe(harness.other.orgId);
  });

  test("another org's objects cannot be referenced or routed through", async () => {
    const { projectId } = harness.other;
    const refusals: Array<[string, unknown, string]> = [
      ["/api-keys", { project_id: ids.project, name: "steal" }, "project"],
      [
        "/routing-configs",
        { project_id: ids.project, slug: "steal", config: { strategy: "single", model: "x" } },
        "project",
      ],
      [
        "/routing-configs",
        {
          project_id: projectId,
          slug: "route-via-a",
          config: { strategy: "single", model: "gpt-4o", provider: ids.provider },
        },
        "provider",
      ],
      [
        "/routing-configs",
        {
          project_id: projectId,
          slug: "route-via-a",
          config: {
            strategy: "fallback",
            attempts: [{ model: "x", provider: "a-openai" }],
            retry_on: ["5xx"],
          },
        },
        "provider",
      ],
      [
        "/budgets",
        { name: "x", scope: { type: "project", value: ids.project }, period: "daily", cap_usd: 1 },
        "project",
      ],
      [
        "/budgets",
        {
          name: "x",
          scope: { type: "route", value: "a-config" },
          project_id: ids.project,
          period: "daily",
          cap_usd: 1,
        },
        "project",
      ],
      [
        "/budgets",
        {
          name: "x",
          scope: { type: "org" },
          period: "daily",
          cap_usd: 1,
          action: "downgrade",
          downgrade_to: { model: "x", provider: ids.provider },
        },
        "provider",
      ],
      ["/management-keys", { name: "x", role: "viewer", member_id: ids.member }, "member"],
    ];
    for (const [path, body, resource] of refusals) {
      const response = await harness.rest("POST", path, { key: intruder, body });
      expect(`${path} ${response.status} ${response.body.error?.resource}`).toBe(
        `${path} 404 ${resource}`,
      );
    }
  });

  test("the same holds on MCP", async () => {
    const client = await harness.mcp(intruder);
    for (const [name, args] of [
      ["get_project", { project_id: ids.project }],
      ["revoke_api_key", { api_key_id: ids.apiKey }],
      ["get_provider", { provider_id: ids.provider }],
      ["rollback_routing_config", { routing_config_id: ids.config, version: 1 }],
      ["replay_webhook_delivery", { webhook_id: ids.webhook, delivery_id: ids.delivery }],
    ] as const) {
      const result = toolResult(await client.callTool({ name, arguments: args }));
      expect(`${name} ${result.body.error?.status}`).toBe(`${name} 404`);
    }
    const listed = toolResult(await client.callTool({ name: "list_api_keys", arguments: {} }));
    expect(JSON.stringify(listed.body)).not.toContain(ids.apiKey);
  });
});
