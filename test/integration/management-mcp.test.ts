// The MCP server at /mcp driven by the SDK's own client over streamable HTTP: the tool list is
// the operation registry, every tool is called at least once (its output checked by the client
// against the tool's output schema), and errors, roles and authentication hold as on REST.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { eq } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { toolNames } from "../../controlplane/api/aliases.ts";
import { OPERATIONS } from "../../controlplane/api/registry.ts";
import { budgetEvents, experiments } from "../../controlplane/db/schema/index.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("MCP server (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let client: Client;
  let tracesRoot: string;
  const called = new Set<string>();

  /** Calls a tool and returns `data`; fails the test on an error result. */
  async function tool(name: string, args: Record<string, unknown> = {}): Promise<Json> {
    called.add(name);
    const result = toolResult(await client.callTool({ name, arguments: args }));
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.body)}`);
    return result.body.data;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    tracesRoot = mkdtempSync(join(tmpdir(), "modelux-mcp-traces-"));
    // Every tool in one minute is more than the default 60 requests per key.
    harness = await startManagementHarness(database.handle, {
      env: { MODELUX_MANAGEMENT_RPM: "1000" },
      tracesRoot,
    });
    client = await harness.mcp();
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
    if (tracesRoot) rmSync(tracesRoot, { recursive: true, force: true });
  });

  test("lists one tool per operation, with input and output schemas", async () => {
    const { tools } = await client.listTools();
    // One per operation, and one per documented modelux.ai name of it (docs/compatibility.md).
    expect(tools.map((item) => item.name).sort()).toEqual(OPERATIONS.flatMap(toolNames).sort());
    expect(tools.map((item) => item.name)).toContain("get_setup_status");
    for (const item of tools) {
      expect(item.inputSchema.type).toBe("object");
      expect(item.outputSchema?.type).toBe("object");
      expect(item.description).toContain("/manage/v1");
    }
  });

  test("refuses a connection without a management key", async () => {
    const anonymous = new McpClient({ name: "anonymous", version: "1" });
    const transport = new StreamableHTTPClientTransport(new URL(`${harness.url}/mcp`));
    await expect(anonymous.connect(transport)).rejects.toThrow();
    const raw = await fetch(`${harness.url}/mcp`, { method: "POST", body: "{}" });
    expect(raw.status).toBe(401);
  });

  test("get_setup_status says what is missing, then that the org is ready", async () => {
    const before = await tool("get_setup_status");
    expect(before.ready).toBe(false);
    const missing = before.steps.filter((step: Json) => step.required && !step.done);
    expect(missing.map((step: Json) => step.tool)).toEqual(["create_provider", "create_api_key"]);
    expect(before.first_request).toBeNull();
  });

  test("reads request logs, their analytics and exports", async () => {
    const row = requestLogRow({
      org_id: harness.org.orgId,
      project_id: harness.org.projectId,
      created_at: "2026-03-10T12:00:00.000Z",
      tags: { team: "ml" },
    });
    await writeRequestLogs(tracesRoot, [row]);
    const logs = await tool("list_logs", { tags: "team=ml", limit: 5 });
    expect(logs.map((item: Json) => item.request_id)).toEqual([row.request_id]);
    expect((await tool("get_log", { request_id: row.request_id })).created_at).toBe(row.created_at);
    const trace = await tool("get_log_trace", { request_id: row.request_id });
    expect(trace.trace).toEqual(JSON.parse(row.trace));
    const window = { start: "2026-03-10T00:00:00Z", end: "2026-03-11T00:00:00Z" };
    const report = await tool("get_analytics_report", {
      ...window,
      granularity: "hour",
      group_by: "model",
      group_limit: 1,
      include_comparison: true,
    });
    expect(report.totals.requests).toBe(1);
    expect(report).toMatchObject({ group_limit: 1, group_count: 1, capped: false });
    expect(report.other_series).toEqual([]);
    expect(report.comparison.totals.requests).toBe(0);
    expect((await tool("get_analytics_decisions", window)).strategies[0].requests).toBe(1);
    const health = await tool("list_provider_health", window);
    expect(health.data).toMatchObject([{ provider: "openai", model: "gpt-4o-mini", requests: 1 }]);
    // Exports come inline: text as it is, Parquet as base64.
    const csv = await tool("export_logs", { format: "csv" });
    expect(csv).toMatchObject({
      encoding: "utf8",
      rows: 1,
      content_type: "text/csv; charset=utf-8",
    });
    expect(csv.content).toContain(row.request_id);
    const parquet = await tool("export_logs", { format: "parquet" });
    expect(parquet.encoding).toBe("base64");
    expect(Buffer.from(parquet.content, "base64").subarray(0, 4).toString()).toBe("PAR1");
  });

  test("drives every resource through its tools", async () => {
    const org = await tool("get_org");
    await tool("update_org", { name: `${org.name} (renamed)` });
    const projects = await tool("list_projects", { limit: 10 });
    const projectId = projects[0].id;
    await tool("get_project", { project_id: projectId });
    const extra = await tool("create_project", { name: "Extra", slug: "extra" });
    await tool("update_project", { project_id: extra.id, settings: { capture_content: true } });
    await tool("delete_project", { project_id: extra.id });

    const member = await tool("create_member", { email: "mcp@example.com", role: "developer" });
    await tool("list_members");
    await tool("get_member", { member_id: member.id });
    await tool("update_member", { member_id: member.id, role: "viewer" });
    await tool("delete_member", { member_id: member.id });

    const provider = await tool("create_provider", {
      vendor: "openai",
      name: "sim",
      api_key: "sk-mcp-secret-1",
      base_url: `${harness.simulator.url}/v1`,
    });
    expect(provider.credential_hint).toBe("…et-1");
    await tool("list_providers", { vendor: "openai" });
    await tool("get_provider", { provider_id: provider.id });
    await tool("update_provider", { provider_id: provider.id, options: { note: "mcp" } });
    await tool("rotate_provider_credential", { provider_id: provider.id, api_key: "sk-mcp-2" });
    expect((await tool("verify_provider", { provider_id: provider.id })).status).toBe("healthy");
    await tool("get_provider_health", { provider_id: provider.id });

    const apiKey = await tool("create_api_key", { project_id: projectId, name: "mcp" });
    expect(apiKey.key).toStartWith("mlx_sk_");
    await tool("list_api_keys");
    await tool("get_api_key", { api_key_id: apiKey.id });
    await tool("update_api_key", { api_key_id: apiKey.id, rpm_limit: 10 });

    const config = await tool("save_routing_config", {
      project_id: projectId,
      slug: "mcp",
      config: { strategy: "single", model: "gpt-4o", provider: "sim" },
    });
    await tool("update_routing_config", {
      routing_config_id: config.id,
      config: { strategy: "single", model: "gpt-4o-mini" },
    });
    await tool("list_routing_configs", { project_id: projectId });
    await tool("get_routing_config", { routing_config_id: config.id });
    expect(
      (await tool("list_routing_config_versions", { routing_config_id: config.id })).length,
    ).toBe(2);
    await tool("get_routing_config_version", { routing_config_id: config.id, version: 1 });
    const diff = await tool("diff_routing_config_versions", {
      routing_config_id: config.id,
      from: 1,
      to: 2,
    });
    expect(diff.changes.length).toBe(2);
    const rolledBack = await tool("rollback_routing_config", {
      routing_config_id: config.id,
      version: 1,
    });
    expect(rolledBack.current_version).toBe(3);
    const planned = await tool("dry_run_routing_config", {
      project_id: projectId,
      routing_config: "mcp",
      request: { messages: [{ role: "user", content: "Hi" }] },
    });
    expect(planned.would_serve).toEqual({ provider: "sim", model: "gpt-4o" });

    expect((await tool("get_setup_status")).ready).toBe(true);
    await tool("delete_routing_config", { routing_config_id: config.id });

    const budget = await tool("create_budget", {
      name: "mcp budget",
      scope: { type: "project", value: projectId },
      period: "monthly",
      cap_usd: 25,
    });
    await tool("update_budget", { budget_id: budget.id, soft_thresholds: [0.5, 0.9] });
    await tool("list_budgets");
    await tool("get_budget", { budget_id: budget.id });
    await database.handle.db.insert(budgetEvents).values({
      id: newId("budgetEvent"),
      budget_id: budget.id,
      period_start: new Date(),
      type: "threshold_reached",
      threshold: 0.5,
      spend_usd: 13,
    });
    expect(await tool("list_budget_events", { budget_id: budget.id })).toHaveLength(1);
    const reset = await tool("reset_budget_period", { budget_id: budget.id });
    expect(reset.current_period.reset_at).not.toBeNull();
    expect(await tool("list_budget_events", { budget_id: budget.id })).toHaveLength(2);
    await tool("delete_budget", { budget_id: budget.id });

    const price = await tool("create_price_override", {
      vendor: "openai",
      model: "gpt-4o-mini",
      input_usd_per_mtok: 0.1,
      output_usd_per_mtok: 0.4,
    });
    expect(await tool("list_price_overrides", { vendor: "openai" })).toHaveLength(1);
    await tool("get_price_override", { price_override_id: price.id });
    const repriced = await tool("update_price_override", {
      price_override_id: price.id,
      cache_read_usd_per_mtok: 0.025,
    });
    expect(repriced.cache_read_usd_per_mtok).toBe(0.025);
    await tool("delete_price_override", { price_override_id: price.id });

    const types = await tool("list_webhook_event_types");
    expect(types.map((item: Json) => item.type)).toContain("api_key.revoked");
    const receiver = Bun.serve({ port: 0, fetch: () => new Response("ok") });
    try {
      const webhook = await tool("create_webhook", {
        url: `http://127.0.0.1:${receiver.port}/hook`,
        event_types: ["api_key.revoked"],
      });
      expect(webhook.signing_secret).toStartWith("whsec_");
      await tool("list_webhooks");
      await tool("get_webhook", { webhook_id: webhook.id });
      await tool("update_webhook", { webhook_id: webhook.id, description: "via mcp" });
      const rotated = await tool("rotate_webhook_secret", { webhook_id: webhook.id });
      expect(rotated.previous_secret_expires_at).toBeTruthy();
      const tested = await tool("test_webhook", { webhook_id: webhook.id });
      expect(tested).toMatchObject({ status: "delivered", last_status_code: 200 });
      await tool("revoke_api_key", { api_key_id: apiKey.id });
      const deliveries = await tool("list_webhook_deliveries", {
        webhook_id: webhook.id,
        event_type: "api_key.revoked",
      });
      expect(deliveries).toHaveLength(1);
      await tool("get_webhook_delivery", { webhook_id: webhook.id, delivery_id: tested.id });
      const replayed = await tool("replay_webhook_delivery", {
        webhook_id: webhook.id,
        delivery_id: tested.id,
      });
      expect(replayed.event_id).toBe(tested.event_id);
      // modelux.ai's org-wide delivery operations reach the same rows by delivery id alone.
      const orgWide = await tool("list_org_webhook_deliveries", {
        endpoint_id: webhook.id,
        event_type: "api_key.revoked",
      });
      expect(orgWide.map((item: Json) => item.id)).toEqual(deliveries.map((item: Json) => item.id));
      expect(await tool("get_org_webhook_delivery", { delivery_id: tested.id })).toMatchObject({
        id: tested.id,
        webhook_id: webhook.id,
      });
      const again = await tool("replay_org_webhook_delivery", { delivery_id: tested.id });
      expect(again.event_id).toBe(tested.event_id);
      await tool("delete_webhook", { webhook_id: webhook.id });
    } finally {
      await receiver.stop(true);
    }
    expect(
      harness.controlEvents.some((event) => "key_id" in event && event.key_id === apiKey.id),
    ).toBe(true);

    // Experiments (the runner that completes them is exercised in experiments.test.ts): one is
    // cancelled and deleted, one marked completed here and promoted, and a logged request replayed.
    await tool("save_routing_config", {
      project_id: projectId,
      slug: "mcp-exp",
      config: { strategy: "single", model: "gpt-4o-mini" },
    });
    const experimentInput = {
      name: "mcp experiment",
      project_id: projectId,
      baseline_config: "mcp-exp",
      candidate_config: { strategy: "single", model: "gpt-4o" },
      window_start: "2026-03-01T00:00:00Z",
      window_end: "2026-03-02T00:00:00Z",
    };
    const queued = await tool("create_experiment", experimentInput);
    expect(queued.status).toBe("queued");
    expect(await tool("list_experiments", { project_id: projectId })).toHaveLength(1);
    expect((await tool("cancel_experiment", { experiment_id: queued.id })).status).toBe(
      "cancelled",
    );
    await tool("delete_experiment", { experiment_id: queued.id });
    const finished = await tool("create_experiment", experimentInput);
    await database.handle.db
      .update(experiments)
      .set({
        status: "completed",
        verdict: "inconclusive",
        progress: 1,
        candidate_summary: {
          requests: 40,
          cost_usd: 0.04,
          cost_usd_per_request: 0.001,
          p50_latency_ms: 200,
          p95_latency_ms: 500,
          errors: 0,
          error_rate: 0,
          routes: [],
        },
      })
      .where(eq(experiments.id, finished.id));
    expect((await tool("get_experiment", { experiment_id: finished.id })).status).toBe("completed");
    const promotion = await tool("promote_experiment", { experiment_id: finished.id });
    expect(promotion.routing_config).toMatchObject({ slug: "mcp-exp", version: 2 });
    // The prediction is kept, to be checked once the version has served a comparable window.
    expect(promotion.experiment.validation).toMatchObject({
      status: "pending",
      version: 2,
      predicted: { requests: 40, cost_usd_per_request: 0.001 },
    });
    const accuracy = await tool("get_prediction_accuracy", { project_id: projectId });
    expect(accuracy.counts).toMatchObject({ total: 1, pending: 1, validated: 0 });
    expect(accuracy.metrics.cost_usd_per_request.count).toBe(0);
    const logged = requestLogRow({
      org_id: harness.org.orgId,
      project_id: projectId,
      created_at: "2026-03-01T08:00:00.000Z",
    });
    await writeRequestLogs(tracesRoot, [logged]);
    const replay = await tool("replay_log", {
      request_id: logged.request_id,
      routing_config: "mcp-exp@1",
    });
    expect(replay.candidate.decision.winner).toBe("gpt-4o-mini");

    // Scheduled experiments (their scheduler and runs: scheduled-experiments.test.ts).
    const schedule = await tool("create_scheduled_experiment", {
      name: "mcp nightly",
      project_id: projectId,
      baseline_config: "mcp-exp",
      candidate_config: { strategy: "single", model: "gpt-4o" },
      cron_expression: "0 9 * * *",
      window_hours: 24,
      success_criteria: { predicates: [{ metric: "cost_delta_pct", op: "lte", value: 0 }] },
    });
    expect(schedule).toMatchObject({ status: "active", regression: null });
    const scheduled = { scheduled_experiment_id: schedule.id };
    expect(await tool("list_scheduled_experiments", { project_id: projectId })).toHaveLength(1);
    expect((await tool("get_scheduled_experiment", scheduled)).cron_expression).toBe("0 9 * * *");
    expect(
      (await tool("update_scheduled_experiment", { ...scheduled, window_hours: 12 })).window_hours,
    ).toBe(12);
    expect((await tool("pause_scheduled_experiment", scheduled)).status).toBe("paused");
    expect((await tool("resume_scheduled_experiment", scheduled)).status).toBe("active");
    const scheduledRun = await tool("run_scheduled_experiment", scheduled);
    expect(scheduledRun).toMatchObject({ trigger: "manual", status: "queued" });
    expect(await tool("list_scheduled_experiment_runs", scheduled)).toHaveLength(1);
    expect(
      (await tool("get_scheduled_experiment_run", { ...scheduled, run_id: scheduledRun.id })).id,
    ).toBe(scheduledRun.id);
    await tool("delete_scheduled_experiment", scheduled);
    expect(await tool("list_scheduled_experiments")).toEqual([]);

    const purged = await tool("purge_cache", { project_id: projectId, config_slug: "mcp-exp" });
    expect(purged).toMatchObject({ project_id: projectId, config_slug: "mcp-exp", entry_id: null });

    const key = await tool("create_management_key", { name: "bot", role: "viewer" });
    await tool("list_management_keys");
    await tool("get_management_key", { management_key_id: key.id });
    await tool("revoke_management_key", { management_key_id: key.id });

    await tool("delete_provider", { provider_id: provider.id });
    const audit = await tool("list_audit_log", { resource_type: "provider" });
    expect(audit.map((entry: Json) => entry.action)).toContain("provider.credential_rotated");
    await tool("get_audit_entry", { audit_entry_id: audit[0].id });
    expect(JSON.stringify(audit)).not.toContain("sk-mcp");

    const untouched = OPERATIONS.map((op) => op.id).filter((id) => !called.has(id));
    expect(untouched).toEqual([]);
  });

  test("tool errors carry the API's error body; roles hold", async () => {
    const invalid = toolResult(
      await client.callTool({ name: "create_project", arguments: { name: "x", slug: "BAD" } }),
    );
    expect(invalid.isError).toBe(true);
    expect(invalid.body.error).toMatchObject({
      type: "invalid_request",
      code: "invalid_request",
      status: 400,
    });
    expect(invalid.body.error.fields[0].field).toBe("body.slug");
    const viewer = await harness.mcp(harness.org.keys.viewer);
    const refused = toolResult(
      await viewer.callTool({ name: "create_project", arguments: { name: "x", slug: "x" } }),
    );
    expect(refused.body.error).toMatchObject({ type: "forbidden", code: "forbidden", status: 403 });
    const listed = toolResult(await viewer.callTool({ name: "list_projects", arguments: {} }));
    expect(listed.isError).toBe(false);
    // Pagination works the same: next_cursor goes back in as cursor.
    await client.callTool({ name: "create_project", arguments: { name: "p2", slug: "p2" } });
    const page = toolResult(
      await client.callTool({ name: "list_projects", arguments: { limit: 1 } }),
    );
    expect(page.body.data).toHaveLength(1);
    expect(page.body.next_cursor).toBe(page.body.data[0].id);
    const next = toolResult(
      await client.callTool({
        name: "list_projects",
        arguments: { limit: 1, cursor: page.body.next_cursor },
      }),
    );
    expect(next.body.data[0].id).not.toBe(page.body.data[0].id);
    const missing = toolResult(
      await client.callTool({ name: "get_project", arguments: { project_id: "prj_nope" } }),
    );
    expect(missing.body.error).toMatchObject({ type: "not_found", resource: "project" });
  });
});
