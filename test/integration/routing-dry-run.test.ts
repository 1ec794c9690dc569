// dry_run_routing_config on real Postgres (docs/management-api.md, docs/routing.md "Dry runs"):
// the plan a sample request gets from a private data plane with the config at its slug, for a
// saved config, a version, an unsaved object and a rule that reads the sample's tags; the
// Anthropic shape; budgets at the fleet's totals (a route budget at its cap refuses, as a node
// would); bad samples a 400 naming the field; nothing sent upstream; another org's project is not
// found. The same over MCP.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import { budgetSpend } from "../../controlplane/db/schema/index.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const SAMPLE = { messages: [{ role: "user", content: "Where is my parcel?" }] };

describe.skipIf(servicesAbsent)("routing config dry run (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;

  const dryRun = (body: Record<string, unknown>, key?: string) =>
    harness.rest("POST", "/routing-configs/dry-run", {
      key,
      body: { project_id: harness.org.projectId, request: SAMPLE, ...body },
    });
  const save = async (slug: string, config: Record<string, unknown>) => {
    const saved = await harness.rest("POST", "/routing-configs", {
      body: { project_id: harness.org.projectId, slug, config },
    });
    expect(saved.status).toBe(201);
    return saved.body.data;
  };
  /** Calls the simulator has answered, every format and model. */
  const simulatorCalls = async () => {
    const log = (await (await fetch(`${harness.simulator.url}/_sim/calls`)).json()) as Json;
    return Object.values(log.counts as Record<string, Record<string, number>>)
      .flatMap((models) => Object.values(models))
      .reduce((sum, count) => sum + count, 0);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
    for (const vendor of ["openai", "anthropic"]) {
      const added = await harness.rest("POST", "/providers", {
        body: {
          vendor,
          name: vendor,
          api_key: `sk-${vendor}-test-credential`,
          base_url: `${harness.simulator.url}/v1`,
          verify: false,
        },
      });
      expect(added.status).toBe(201);
    }
    await save("support", {
      strategy: "fallback",
      attempts: [{ model: "gpt-4o", timeout_ms: 8000 }, { model: "claude-haiku-4-5" }],
    });
    // Version 2 changes the order; version 1 stays readable.
    const head = await harness.rest("GET", "/routing-configs?slug=support");
    await harness.rest("PATCH", `/routing-configs/${head.body.data[0].id}`, {
      body: {
        config: {
          strategy: "fallback",
          attempts: [{ model: "claude-haiku-4-5" }, { model: "gpt-4o-mini" }],
        },
      },
    });
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  test("a saved config (its current version) and an older version: what would serve, the plan", async () => {
    const before = await simulatorCalls();
    const current = await dryRun({ routing_config: "support" });
    expect(current.status).toBe(200);
    expect(current.body.data).toMatchObject({
      config: { slug: "support", source: "support@2" },
      surface: "openai",
      status: 200,
      would_serve: { provider: "anthropic", model: "claude-haiku-4-5" },
      plan: [
        { kind: "attempt", provider: "anthropic", model: "claude-haiku-4-5" },
        { kind: "attempt", provider: "openai", model: "gpt-4o-mini" },
      ],
      error: null,
    });
    expect(current.body.data.trace.strategy).toBe("fallback");
    expect(current.body.data.trace.candidates.length).toBe(2);
    const first = await dryRun({ routing_config: "support@1" });
    expect(first.body.data.config.source).toBe("support@1");
    expect(first.body.data.plan[0]).toMatchObject({ model: "gpt-4o", timeout_ms: 8000 });
    // Nothing reached a provider.
    expect(await simulatorCalls()).toBe(before);
  });

  test("an unsaved object, and a rule that reads the sample's tags", async () => {
    const rules = {
      strategy: "custom_rules",
      rules: [
        // biome-ignore lint/suspicious/noThenProperty: the config's own key, never awaited
        { if: 'has(tags.tier) && tags.tier == "gold"', then: "gpt-4o" },
        { else: "gpt-4o-mini" },
      ],
    };
    const gold = await dryRun({
      routing_config: rules,
      request: { ...SAMPLE, "mlx:tags": { tier: "gold" } },
    });
    expect(gold.status).toBe(200);
    expect(gold.body.data.config).toEqual({ slug: "dry-run", source: "inline" });
    expect(gold.body.data.would_serve).toEqual({ provider: "openai", model: "gpt-4o" });
    const plain = await dryRun({ routing_config: rules, slug: "tiers" });
    expect(plain.body.data.config.slug).toBe("tiers");
    expect(plain.body.data.would_serve.model).toBe("gpt-4o-mini");
    // The config is checked as a save would check it.
    const invalid = await dryRun({ routing_config: { strategy: "single" } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields[0].field).toMatch(/^body\.routing_config/);
  });

  test("the Anthropic shape, and samples a node would refuse are a 400 naming them", async () => {
    const anthropic = await dryRun({
      routing_config: "support",
      surface: "anthropic",
      request: { max_tokens: 256, messages: [{ role: "user", content: "Hi" }] },
    });
    expect(anthropic.status).toBe(200);
    expect(anthropic.body.data.would_serve.model).toBe("claude-haiku-4-5");
    const withModel = await dryRun({
      routing_config: "support",
      request: { ...SAMPLE, model: "x" },
    });
    expect(withModel.status).toBe(400);
    expect(withModel.body.error.fields[0].field).toBe("body.request.model");
    const noMessages = await dryRun({ routing_config: "support", request: { temperature: 1 } });
    expect(noMessages.status).toBe(400);
    expect(noMessages.body.error.fields[0].field).toBe("body.request");
  });

  test("budgets at the fleet's totals: a route budget at its cap refuses the request (402)", async () => {
    const created = await harness.rest("POST", "/budgets", {
      body: {
        name: "support route",
        scope: { type: "route", value: "support" },
        period: "daily",
        cap_usd: 1,
        action: "block",
      },
    });
    expect(created.status).toBe(201);
    const budgetId = created.body.data.id;
    const start = periodWindow("daily", Date.now()).startMs;
    await database.handle.db.insert(budgetSpend).values({
      budget_id: budgetId,
      period_start: new Date(periodKey(start)),
      spend_usd: 1.5,
    });
    const refused = await dryRun({ routing_config: "support" });
    expect(refused.status).toBe(200);
    expect(refused.body.data).toMatchObject({ status: 402, would_serve: null, plan: [] });
    expect(refused.body.data.error.message).toContain("support route");
    // The same config under another slug is not that route.
    const elsewhere = await dryRun({ routing_config: "support", slug: "other" });
    expect(elsewhere.body.data.status).toBe(200);
    await harness.rest("DELETE", `/budgets/${budgetId}`);
  });

  test("roles, tenancy and MCP", async () => {
    const viewer = await dryRun({ routing_config: "support" }, harness.org.keys.viewer);
    expect(viewer.status).toBe(403);
    const foreign = await harness.rest("POST", "/routing-configs/dry-run", {
      key: harness.other.keys.owner,
      body: { project_id: harness.org.projectId, routing_config: "support", request: SAMPLE },
    });
    expect(foreign.status).toBe(404);
    const client = await harness.mcp();
    try {
      const result = await client.callTool({
        name: "dry_run_routing_config",
        arguments: {
          project_id: harness.org.projectId,
          routing_config: "support",
          request: SAMPLE,
        },
      });
      const { body, isError } = toolResult(result);
      expect(isError).toBeFalsy();
      expect(body.data.would_serve.model).toBe("claude-haiku-4-5");
    } finally {
      await client.close();
    }
  });
});
