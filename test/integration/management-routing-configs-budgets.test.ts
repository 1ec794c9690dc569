// Routing configs (every save a version; list, diff, rollback, delete; malformed bodies refused)
// and budgets (every scope, checked fields, events) through the REST API on real Postgres.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { newId } from "#shared/ids/ids.ts";
import { budgetEvents } from "../../controlplane/db/schema/index.ts";
import { type ManagementHarness, startManagementHarness } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("routing configs and budgets (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  const call = (...args: Parameters<ManagementHarness["rest"]>) => harness.rest(...args);

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
    const provider = await call("POST", "/providers", {
      body: {
        vendor: "openai",
        name: "openai-main",
        api_key: "sk-test",
        base_url: `${harness.simulator.url}/v1`,
      },
    });
    if (provider.status !== 201) throw new Error(JSON.stringify(provider.body));
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  test("routing configs: every save a version; list, diff, rollback, delete", async () => {
    const project_id = harness.org.projectId;
    const first = await call("POST", "/routing-configs", {
      key: harness.org.keys.developer,
      body: {
        project_id,
        slug: "prod",
        config: { strategy: "single", model: "gpt-4o", provider: "openai-main" },
        message: "first",
      },
    });
    expect(first.status).toBe(201);
    expect(first.body.data.current_version).toBe(1);
    const id = first.body.data.id;
    const second = await call("POST", "/routing-configs", {
      body: {
        project_id,
        slug: "prod",
        config: {
          strategy: "fallback",
          attempts: [{ model: "gpt-4o" }, { model: "claude/x" }],
          retry_on: ["429", "5xx"],
        },
      },
    });
    expect(second.body.data).toMatchObject({ id, current_version: 2 });
    const third = await call("PATCH", `/routing-configs/${id}`, {
      body: { config: { strategy: "single", model: "gpt-4o-mini" }, description: "cheap" },
    });
    expect(third.body.data).toMatchObject({ current_version: 3, description: "cheap" });

    const versions = await call("GET", `/routing-configs/${id}/versions?limit=2`);
    expect(versions.body.data.map((item: { version: number }) => item.version)).toEqual([3, 2]);
    const rest = await call(
      "GET",
      `/routing-configs/${id}/versions?cursor=${versions.body.next_cursor}`,
    );
    expect(rest.body.data.map((item: { version: number }) => item.version)).toEqual([1]);
    expect(rest.body.data[0].message).toBe("first");

    const diff = await call("GET", `/routing-configs/${id}/diff?from=1&to=3`);
    expect(diff.body.data.changes).toEqual([
      { op: "replace", path: "/model", from: "gpt-4o", to: "gpt-4o-mini" },
      { op: "remove", path: "/provider", from: "openai-main" },
    ]);
    const rolledBack = await call("POST", `/routing-configs/${id}/rollback`, {
      body: { version: 1 },
    });
    expect(rolledBack.body.data.current_version).toBe(4);
    expect(rolledBack.body.data.config).toEqual(first.body.data.config);
    const version4 = await call("GET", `/routing-configs/${id}/versions/4`);
    expect(version4.body.data.message).toBe("rollback to version 1");
    const missing = await call("GET", `/routing-configs/${id}/versions/99`);
    expect(missing.status).toBe(404);

    const listed = await call("GET", `/routing-configs?project_id=${project_id}&slug=prod`);
    expect(listed.body.data).toHaveLength(1);
  });

  test("routing configs refuse malformed bodies and providers the org does not have", async () => {
    const project_id = harness.org.projectId;
    const noStrategy = await call("POST", "/routing-configs", {
      body: { project_id, slug: "bad", config: { model: "gpt-4o" } },
    });
    expect(noStrategy.status).toBe(400);
    expect(noStrategy.body.error.fields[0].field).toBe("body.config.strategy");
    const noAttempts = await call("POST", "/routing-configs", {
      body: { project_id, slug: "bad", config: { strategy: "fallback", attempts: [] } },
    });
    expect(noAttempts.body.error.fields[0].field).toBe("body.config.attempts");
    const badSlug = await call("POST", "/routing-configs", {
      body: { project_id, slug: "@prod", config: { strategy: "single", model: "x" } },
    });
    expect(badSlug.body.error.fields[0].field).toBe("body.slug");
    const unknownProvider = await call("POST", "/routing-configs", {
      body: {
        project_id,
        slug: "bad",
        config: { strategy: "single", model: "x", provider: "ghost" },
      },
    });
    expect(unknownProvider.status).toBe(404);
    expect(unknownProvider.body.error).toMatchObject({ resource: "provider", id: "ghost" });
  });

  test("routing configs are validated strictly, references included, field by field", async () => {
    const project_id = harness.org.projectId;
    const save = (slug: string, config: Record<string, unknown>) =>
      call("POST", "/routing-configs", { body: { project_id, slug, config } });
    const invalid = await save("strict", {
      strategy: "fallback",
      attempts: [{ model: "a" }, { model: "b", timeout_ms: -1 }],
      retry_on: ["500"],
      extra: true,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields.map((field: { field: string }) => field.field)).toEqual([
      "body.config.attempts.1.timeout_ms",
      "body.config.retry_on.0",
      "body.config.extra",
    ]);
    const badCel = await save("strict", {
      strategy: "custom_rules",
      rules: [{ if: "request.stream &&", ["then" as string]: "a" }, { else: "b" }],
    });
    expect(badCel.body.error.fields[0].field).toBe("body.config.rules.0.if");

    expect((await save("leaf", { strategy: "single", model: "gpt-4o" })).status).toBe(201);
    expect((await save("middle", { strategy: "single", model: "@leaf" })).status).toBe(201);
    const cycle = await save("leaf", { strategy: "single", model: "@middle" });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.fields).toEqual([
      { field: "body.config.model", message: "cycle of routing configs: @leaf → @middle → @leaf" },
    ]);
    const missing = await save("dangling", { strategy: "single", model: "@ghost" });
    expect(missing.body.error.fields[0].message).toContain("no routing config @ghost");
    // @top → @middle → @leaf is depth 3; making @leaf name two more configs would reach 5.
    expect((await save("top", { strategy: "single", model: "@middle" })).status).toBe(201);
    expect((await save("deep", { strategy: "single", model: "gpt-4o" })).status).toBe(201);
    expect((await save("deeper", { strategy: "single", model: "@deep" })).status).toBe(201);
    const tooDeep = await save("leaf", { strategy: "single", model: "@deeper" });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error.fields[0]).toEqual({
      field: "body.config",
      message:
        "@top names this config: routing configs nest deeper than 4: " +
        "@top → @middle → @leaf → @deeper → @deep",
    });
  });

  test("a routing config another config names cannot be deleted until that one changes", async () => {
    const project_id = harness.org.projectId;
    const save = (slug: string, config: Record<string, unknown>) =>
      call("POST", "/routing-configs", { body: { project_id, slug, config } });
    const target = await save("named", { strategy: "single", model: "gpt-4o" });
    expect(target.status).toBe(201);
    expect(
      (
        await save("namer", {
          strategy: "fallback",
          attempts: [{ config: "@named" }, { model: "gpt-4o-mini" }],
        })
      ).status,
    ).toBe(201);
    const refused = await call("DELETE", `/routing-configs/${target.body.data.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("@namer");
    expect((await save("namer", { strategy: "single", model: "gpt-4o-mini" })).status).toBe(201);
    expect((await call("DELETE", `/routing-configs/${target.body.data.id}`)).status).toBe(200);
  });

  test("budgets: every scope, checked fields, updates and events", async () => {
    const { projectId } = harness.org;
    const scopes = [
      { scope: { type: "org" } },
      { scope: { type: "project", value: projectId } },
      { scope: { type: "route", value: "prod" }, project_id: projectId },
      { scope: { type: "customer", value: "user-42" } },
      { scope: { type: "feature", value: "team=ml" } },
    ];
    const ids: string[] = [];
    for (const [index, extra] of scopes.entries()) {
      const created = await call("POST", "/budgets", {
        body: {
          name: `b${index}`,
          period: "daily",
          cap_usd: 5,
          soft_thresholds: [0.8, 0.5],
          ...extra,
        },
      });
      expect(created.status).toBe(201);
      expect(created.body.data.scope).toEqual({ value: null, ...extra.scope });
      expect(created.body.data.soft_thresholds).toEqual([0.5, 0.8]);
      expect(created.body.data).toMatchObject({
        action: "block",
        fail_mode: "open",
        enabled: true,
      });
      ids.push(created.body.data.id);
    }
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ scope: { type: "org", value: "x" }, period: "daily" }, "body.scope.value"],
      [{ scope: { type: "feature", value: "no-equals" }, period: "daily" }, "body.scope.value"],
      [{ scope: { type: "org" }, period: "custom" }, "body.custom_period_seconds"],
      [{ scope: { type: "org" }, period: "daily", action: "downgrade" }, "body.downgrade_to"],
      [
        { scope: { type: "org" }, period: "daily", soft_thresholds: [1.5] },
        "body.soft_thresholds.0",
      ],
      [{ scope: { type: "org" }, period: "yearly" }, "body.period"],
    ];
    for (const [body, field] of refusals) {
      const refused = await call("POST", "/budgets", { body: { name: "x", cap_usd: 1, ...body } });
      expect(`${refused.status} ${refused.body.error.fields?.[0]?.field}`).toBe(`400 ${field}`);
    }
    const custom = await call("POST", "/budgets", {
      body: {
        name: "weekly-ish",
        scope: { type: "org" },
        period: "custom",
        custom_period_seconds: 86_400 * 7,
        cap_usd: 50,
        fail_mode: "closed",
      },
    });
    expect(custom.body.data.period_anchor).toBeTruthy();

    const updated = await call("PATCH", `/budgets/${ids[0]}`, {
      body: { cap_usd: 9.5, enabled: false, action: "warn_only" },
    });
    expect(updated.body.data).toMatchObject({ cap_usd: 9.5, enabled: false, action: "warn_only" });
    const routes = await call("GET", "/budgets?scope_type=route");
    expect(routes.body.data.map((item: { id: string }) => item.id)).toEqual([ids[2]]);

    await database.handle.db.insert(budgetEvents).values([
      {
        id: newId("budgetEvent", Date.now() - 1000),
        budget_id: ids[1] ?? "",
        period_start: new Date("2026-01-01"),
        type: "threshold_reached",
        threshold: 0.5,
        spend_usd: 2.6,
      },
      {
        id: newId("budgetEvent"),
        budget_id: ids[1] ?? "",
        period_start: new Date("2026-01-01"),
        type: "exceeded",
        threshold: 1,
        spend_usd: 5.1,
      },
    ]);
    const events = await call("GET", `/budgets/${ids[1]}/events`, { key: harness.org.keys.viewer });
    expect(events.body.data.map((event: { type: string }) => event.type)).toEqual([
      "exceeded",
      "threshold_reached",
    ]);
    expect((await call("DELETE", `/budgets/${ids[4]}`)).status).toBe(200);
    expect((await call("GET", `/budgets/${ids[4]}`)).status).toBe(404);
  });
});
