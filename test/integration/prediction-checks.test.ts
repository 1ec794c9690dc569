// A promoted experiment's prediction checked against reality (docs/experiments.md, "Prediction
// checked against reality"), on real Postgres and a Parquet warehouse, the clock injected: the
// prediction is kept at promote; once the promoted version has served its comparable window, what
// it did is measured (only its own requests, the experiment's tag filter applied) and stored on
// the experiment with each relative error, and experiment.validated is sent exactly once though
// two control planes check at once; a version without traffic ends as insufficient_data after
// its deadline, one replaced early as superseded; the analytics report averages the errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import { seedExperimentWorld } from "../../bench/experiments/traffic.ts";
import {
  experiments,
  routingConfigVersions,
  webhookDeliveries,
  webhooks,
} from "../../controlplane/db/schema/index.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";
import { SETTLE_MS } from "../../controlplane/prediction-checks/check.ts";
import { startPredictionCheckWatch } from "../../controlplane/prediction-checks/watch.ts";
import { createWarehouseQuery, type WarehouseQuery } from "../../controlplane/warehouse/query.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";
import { servicesAbsent } from "../support/services.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;
const CANDIDATE = { strategy: "single", model: "gpt-4o-mini", provider: "openai" };
/** What the replay said the candidate would do, per request. */
const PREDICTED = {
  requests: 200,
  cost_usd: 0.4,
  cost_usd_per_request: 0.002,
  p50_latency_ms: 300,
  p95_latency_ms: 900,
  errors: 4,
  error_rate: 0.02,
  routes: [],
};

describe.skipIf(servicesAbsent)("prediction checked against reality (Postgres, DuckDB)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let warehouse: WarehouseQuery;
  let root: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-prediction-checks-"));
    harness = await startManagementHarness(database.handle, {
      tracesRoot: root,
      env: { MODELUX_MANAGEMENT_RPM: "10000" },
    });
    warehouse = await createWarehouseQuery({ root, threads: 1 });
    const { orgId, projectId } = harness.org;
    await seedExperimentWorld(database.handle.db, { orgId, projectId, secretBox: testSecretBox });
    await database.handle.db.insert(webhooks).values({
      id: newId("webhook"),
      org_id: orgId,
      url: "http://127.0.0.1:9/hook",
      event_types: ["experiment.validated"],
      signing_secret_ciphertext: "unused",
      enabled: true,
    });
  }, 60_000);
  afterAll(async () => {
    await warehouse?.close();
    await harness?.stop();
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A completed experiment on `slug` with the PREDICTED candidate summary, promoted now. */
  async function promoted(slug: string, filters: Record<string, unknown> = {}) {
    const { orgId, projectId } = harness.org;
    await saveRoutingConfig(database.handle.db, {
      orgId,
      projectId,
      slug,
      config: { strategy: "single", model: "gpt-4o", provider: "openai" },
    });
    const id = newId("experiment");
    await database.handle.db.insert(experiments).values({
      id,
      org_id: orgId,
      project_id: projectId,
      name: `cheaper ${slug}`,
      status: "completed",
      mode: "routing_only",
      baseline_config: slug,
      candidate_config: CANDIDATE,
      window_start: new Date("2026-03-02T00:00:00Z"),
      window_end: new Date("2026-03-02T01:00:00Z"),
      filters,
      progress: 1,
      verdict: "inconclusive",
      baseline_summary: { ...PREDICTED, cost_usd_per_request: 0.004 },
      candidate_summary: PREDICTED,
    });
    const response = await harness.rest("POST", `/experiments/${id}/promote`, { body: {} });
    expect(response.status).toBe(200);
    const experiment = response.body.data.experiment;
    return {
      id,
      configId: response.body.data.routing_config.id as string,
      version: response.body.data.routing_config.version as number,
      promotedAt: Date.parse(experiment.validation.promoted_at),
      validation: experiment.validation,
    };
  }

  /** A request a version of `slug` served at `at`. */
  const served = (slug: string, version: number, at: number, overrides: Partial<RequestLogRow>) =>
    requestLogRow({
      org_id: harness.org.orgId,
      project_id: harness.org.projectId,
      created_at: new Date(at).toISOString(),
      config_slug: slug,
      config_version: version,
      strategy: "single",
      resolved: "config",
      ...overrides,
    });

  const watchAt = (at: number) =>
    startPredictionCheckWatch({
      db: database.handle.db,
      warehouse,
      log: (message) => {
        throw new Error(message);
      },
      now: () => at,
      intervalMs: 3_600_000,
    });

  const get = async (id: string) => (await harness.rest("GET", `/experiments/${id}`)).body.data;

  async function validatedEvents(experimentId: string) {
    const rows = await database.handle.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.event_type, "experiment.validated"));
    return rows
      .map((row) => row.payload as Json)
      .filter((payload) => payload.data.experiment?.id === experimentId);
  }

  test("promote keeps the prediction; the comparable window measures only the promoted version's requests; one event across two control planes", async () => {
    const promotion = await promoted("checked", { tags: { team: "search" } });
    expect(promotion.validation).toMatchObject({
      status: "pending",
      config_slug: "checked",
      version: 2,
      min_requests: 100,
      filters: { tags: { team: "search" } },
      predicted: {
        cost_usd_per_request: 0.002,
        p50_latency_ms: 300,
        p95_latency_ms: 900,
        error_rate: 0.02,
        requests: 200,
        window_start: "2026-03-02T00:00:00.000Z",
        window_end: "2026-03-02T01:00:00.000Z",
      },
      actual: null,
      errors: null,
    });
    const start = promotion.promotedAt;
    // The replayed window was an hour: so is the comparable one.
    expect(Date.parse(promotion.validation.window_end)).toBe(start + HOUR);

    const search = { tags: { team: "search" } };
    const counted: RequestLogRow[] = [];
    for (let index = 0; index < 150; index++) {
      const failed = index % 25 === 0;
      counted.push(
        served("checked", 2, start + 1000 + index * 20_000, {
          ...search,
          status: failed ? 502 : 200,
          cost_usd: failed ? 0 : 0.003,
          latency_ms: failed ? 5000 : 100 + index * 2,
        }),
      );
    }
    const ignored = [
      // The old version finishing its last requests, another tag, a dry run, after the window.
      ...Array.from({ length: 10 }, (_, index) =>
        served("checked", 1, start + 2000 + index, { ...search, cost_usd: 1 }),
      ),
      ...Array.from({ length: 10 }, (_, index) =>
        served("checked", 2, start + 3000 + index, { tags: { team: "ads" }, cost_usd: 1 }),
      ),
      served("checked", 2, start + 4000, { ...search, dry_run: true, cost_usd: 1 }),
      ...Array.from({ length: 10 }, (_, index) =>
        served("checked", 2, start + HOUR + MINUTE + index, { ...search, cost_usd: 1 }),
      ),
    ];
    await writeRequestLogs(root, [...counted, ...ignored]);

    // Half way through the window: nothing to check yet.
    const early = watchAt(start + 30 * MINUTE);
    expect(await early.runOnce()).toBe(0);
    await early.stop();
    expect((await get(promotion.id)).validation.status).toBe("pending");

    // Two control planes check at once, once the window has closed and settled.
    const due = start + HOUR + SETTLE_MS + MINUTE;
    const [one, two] = [watchAt(due), watchAt(due + 1000)];
    const ended = await Promise.all([one.runOnce(), two.runOnce()]);
    await Promise.all([one.stop(), two.stop()]);
    expect(ended[0] + ended[1]).toBe(1);

    const successes = counted.filter((row) => row.status < 400);
    const latencies = successes.map((row) => row.latency_ms as number);
    const cost = successes.length * 0.003;
    const expected = {
      requests: 150,
      errors: 6,
      cost_usd_per_request: cost / 150,
      p50_latency_ms: quantile(latencies, 0.5),
      p95_latency_ms: quantile(latencies, 0.95),
      error_rate: 6 / 150,
    };
    const validation = (await get(promotion.id)).validation;
    expect(validation.status).toBe("validated");
    expect(validation.superseded_at).toBeNull();
    expect(validation.actual).toMatchObject({
      requests: 150,
      errors: 6,
      window_start: new Date(start).toISOString(),
      window_end: new Date(start + HOUR).toISOString(),
    });
    expect(validation.actual.cost_usd_per_request).toBeCloseTo(expected.cost_usd_per_request, 9);
    expect(validation.actual.p50_latency_ms).toBeCloseTo(expected.p50_latency_ms, 3);
    expect(validation.actual.p95_latency_ms).toBeCloseTo(expected.p95_latency_ms, 3);
    expect(validation.actual.error_rate).toBeCloseTo(expected.error_rate, 6);
    const relative = (actual: number, predicted: number) => (actual - predicted) / predicted;
    expect(validation.errors.cost_usd_per_request.relative_error).toBeCloseTo(
      relative(expected.cost_usd_per_request, 0.002),
      5,
    );
    expect(validation.errors.p95_latency_ms.relative_error).toBeCloseTo(
      relative(expected.p95_latency_ms, 900),
      5,
    );
    expect(validation.errors.error_rate).toMatchObject({ predicted: 0.02 });
    expect(validation.errors.error_rate.relative_error).toBeCloseTo(1, 5);

    // Exactly one event, whatever runs later.
    const later = watchAt(due + 10 * HOUR);
    expect(await later.runOnce()).toBe(0);
    await later.stop();
    const events = await validatedEvents(promotion.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "experiment.validated",
      data: { validation: { status: "validated", id: validation.id } },
    });
    expect(events[0].data.experiment.validation.actual.requests).toBe(150);
    // The list shows it too.
    const listed = (await harness.rest("GET", "/experiments?limit=100")).body.data;
    expect(listed.find((item: Json) => item.id === promotion.id).validation.status).toBe(
      "validated",
    );
  }, 60_000);

  test("no traffic: pending after the window, insufficient_data after the deadline", async () => {
    const promotion = await promoted("quiet");
    const start = promotion.promotedAt;
    const deadline = Date.parse(promotion.validation.deadline_at);
    // An hour's window, then at least a day's grace.
    expect(deadline).toBe(start + HOUR + 24 * HOUR);
    await writeRequestLogs(root, [
      served("quiet", promotion.version, start + MINUTE, { cost_usd: 0.001 }),
    ]);
    const afterWindow = watchAt(start + 2 * HOUR);
    expect(await afterWindow.runOnce()).toBe(0);
    await afterWindow.stop();
    expect((await get(promotion.id)).validation.status).toBe("pending");

    const afterDeadline = watchAt(deadline + SETTLE_MS + MINUTE);
    expect(await afterDeadline.runOnce()).toBe(1);
    await afterDeadline.stop();
    const validation = (await get(promotion.id)).validation;
    expect(validation).toMatchObject({ status: "insufficient_data", errors: null });
    expect(validation.actual.requests).toBe(1);
    expect(validation.actual.window_end).toBe(new Date(deadline).toISOString());
    const events = await validatedEvents(promotion.id);
    expect(events.map((event) => event.data.validation.status)).toEqual(["insufficient_data"]);
  }, 60_000);

  test("a version replaced early: validated on what it served, or superseded with too little", async () => {
    const enough = await promoted("replaced-late");
    const few = await promoted("replaced-early");
    const rows: RequestLogRow[] = [];
    for (let index = 0; index < 120; index++)
      rows.push(
        served("replaced-late", enough.version, enough.promotedAt + 100 + index, {
          cost_usd: 0.0018,
          latency_ms: 300,
          status: 200,
        }),
      );
    for (let index = 0; index < 20; index++)
      rows.push(served("replaced-early", few.version, few.promotedAt + 100 + index, {}));
    await writeRequestLogs(root, rows);
    // Both configs get a newer version ten minutes after their promotion (the version's time set
    // so), long before their windows close.
    let replacedAt = 0;
    for (const promotion of [enough, few]) {
      const slug = promotion === enough ? "replaced-late" : "replaced-early";
      const saved = await harness.rest("POST", "/routing-configs", {
        body: { project_id: harness.org.projectId, slug, config: CANDIDATE },
      });
      expect(saved.status).toBeLessThan(300);
      replacedAt = Math.max(replacedAt, promotion.promotedAt + 10 * MINUTE);
      await database.handle.db
        .update(routingConfigVersions)
        .set({ created_at: new Date(promotion.promotedAt + 10 * MINUTE) })
        .where(
          and(
            eq(routingConfigVersions.routing_config_id, promotion.configId),
            eq(routingConfigVersions.version, promotion.version + 1),
          ),
        );
    }
    const check = watchAt(replacedAt + SETTLE_MS + MINUTE);
    expect(await check.runOnce()).toBe(2);
    await check.stop();

    const late = (await get(enough.id)).validation;
    expect(late.status).toBe("validated");
    expect(late.superseded_at).toBe(new Date(enough.promotedAt + 10 * MINUTE).toISOString());
    expect(late.actual.window_end).toBe(late.superseded_at);
    expect(late.actual.requests).toBe(120);
    expect(late.errors.cost_usd_per_request.relative_error).toBeCloseTo(-0.1, 6);
    const early = (await get(few.id)).validation;
    expect(early).toMatchObject({ status: "superseded", errors: null });
    expect(early.actual.requests).toBe(20);
  }, 60_000);

  test("the analytics report averages the errors of past promotions; REST and MCP alike", async () => {
    const report = await harness.rest("GET", "/analytics/prediction-accuracy");
    expect(report.status).toBe(200);
    const data = report.body.data;
    expect(data.counts).toEqual({
      total: 4,
      validated: 2,
      pending: 0,
      insufficient_data: 1,
      superseded: 1,
    });
    const costErrors = data.promotions
      .filter((row: Json) => row.status === "validated")
      .map((row: Json) => row.errors.cost_usd_per_request.relative_error * 100);
    expect(costErrors).toHaveLength(2);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / 2;
    expect(data.metrics.cost_usd_per_request.count).toBe(2);
    expect(data.metrics.cost_usd_per_request.mean_absolute_pct_error).toBeCloseTo(
      mean(costErrors.map(Math.abs)),
      3,
    );
    expect(data.metrics.cost_usd_per_request.mean_signed_pct_error).toBeCloseTo(
      mean(costErrors),
      3,
    );
    expect(data.promotions[0].experiment_name).toMatch(/^cheaper /);
    const narrowed = await harness.rest(
      "GET",
      "/analytics/prediction-accuracy?config_slug=checked&limit=1",
    );
    expect(narrowed.body.data.counts.total).toBe(1);
    expect(narrowed.body.data.promotions).toHaveLength(1);

    const client = await harness.mcp();
    const viaMcp = toolResult(
      await client.callTool({ name: "get_prediction_accuracy", arguments: {} }),
    );
    expect(viaMcp.body.data.counts).toEqual(data.counts);
    // Another org sees none of it.
    const foreign = await harness.rest("GET", "/analytics/prediction-accuracy", {
      key: harness.other.keys.viewer,
    });
    expect(foreign.body.data.counts.total).toBe(0);
  }, 60_000);
});

/** DuckDB's quantile_cont: linear interpolation between the closest ranks. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lower = sorted[low] as number;
  return lower + ((sorted[high] as number) - lower) * (position - low);
}
