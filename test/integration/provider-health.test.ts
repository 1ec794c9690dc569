// Provider health from the fleet's traffic (docs/provider-health.md): request-log rows of two
// providers and three models written into the warehouse, read back per provider and model
// through GET /manage/v1/provider-health over a fixed window.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ManagementHarness,
  startManagementHarness,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";
import { servicesAbsent } from "../support/services.ts";

const START = Date.UTC(2026, 2, 3, 10);
const at = (minute: number) => new Date(START + minute * 60_000).toISOString();

describe.skipIf(servicesAbsent)("provider health (Postgres, DuckDB)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let root: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-provider-health-"));
    harness = await startManagementHarness(database.handle, { tracesRoot: root });
    const row = (
      minute: number,
      provider: string,
      model: string,
      status: number,
      latency: number,
    ) =>
      requestLogRow({
        created_at: at(minute),
        org_id: harness.org.orgId,
        project_id: harness.org.projectId,
        provider,
        model,
        status,
        latency_ms: latency,
      });
    const rows = [
      // openai/gpt-4o-mini: 20 requests, all fine, latencies 100..290.
      ...Array.from({ length: 20 }, (_, i) => row(i, "openai", "gpt-4o-mini", 200, 100 + i * 10)),
      // openai/gpt-4.1: 10 requests, 2 upstream errors: degraded.
      ...Array.from({ length: 10 }, (_, i) => row(i, "openai", "gpt-4.1", i < 2 ? 502 : 200, 400)),
      // anthropic/claude: 4 requests, 3 failed: failing.
      ...Array.from({ length: 4 }, (_, i) =>
        row(i, "anthropic", "claude-haiku", i < 3 ? 503 : 200, 900),
      ),
      // Outside the window: not counted.
      row(-30, "anthropic", "claude-haiku", 200, 5),
      row(90, "openai", "gpt-4.1", 500, 5),
    ];
    await writeRequestLogs(root, rows);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const health = (query: Record<string, string>) =>
    harness.rest("GET", `/provider-health?${new URLSearchParams(query)}`);

  test("per provider and model: success rate, p50/p95 latency and a status over the window", async () => {
    const response = await health({ start: at(0), end: at(60) });
    expect(response.status).toBe(200);
    expect(response.body.data.start).toBe(at(0));
    const rows = response.body.data.data;
    expect(
      rows.map((item: { provider: string; model: string }) => `${item.provider}/${item.model}`),
    ).toEqual(["anthropic/claude-haiku", "openai/gpt-4.1", "openai/gpt-4o-mini"]);
    expect(rows[0]).toMatchObject({
      requests: 4,
      errors: 3,
      success_rate: 0.25,
      status: "failing",
      circuit_state: null,
    });
    expect(rows[1]).toMatchObject({
      requests: 10,
      errors: 2,
      success_rate: 0.8,
      status: "degraded",
    });
    expect(rows[1].p50_latency_ms).toBeCloseTo(400, -1);
    expect(rows[2]).toMatchObject({ requests: 20, errors: 0, success_rate: 1, status: "healthy" });
    // Latencies 100..290 by 10: the median between ranks 10 and 11 (190, 200), the 95th
    // percentile between 280 and 290, each within the warehouse sketch's 1 %.
    expect(rows[2].p50_latency_ms).toBeGreaterThanOrEqual(190 * 0.99);
    expect(rows[2].p50_latency_ms).toBeLessThanOrEqual(200 * 1.01);
    expect(rows[2].p95_latency_ms).toBeGreaterThanOrEqual(280 * 0.99);
    expect(rows[2].p95_latency_ms).toBeLessThanOrEqual(290 * 1.01);
  });

  test("a provider filter, and a window that must be ordered and at most 7 days", async () => {
    const only = await health({ start: at(0), end: at(60), provider: "anthropic" });
    expect(only.body.data.data).toHaveLength(1);
    const backwards = await health({ start: at(60), end: at(0) });
    expect(backwards.status).toBe(400);
    const long = await health({ start: at(-60 * 24 * 8), end: at(0) });
    expect(long.status).toBe(400);
  });

  test("MCP offers the same operation as a tool", async () => {
    const client = await harness.mcp();
    try {
      const result = await client.callTool({
        name: "list_provider_health",
        arguments: { start: at(0), end: at(60), provider: "openai" },
      });
      const { body, isError } = toolResult(result);
      expect(isError).toBeFalsy();
      expect(body.data.data.map((item: { model: string }) => item.model)).toEqual([
        "gpt-4.1",
        "gpt-4o-mini",
      ]);
    } finally {
      await client.close();
    }
  });
});
