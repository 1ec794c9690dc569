// Experiments end to end on real Postgres and a Parquet warehouse in a temporary directory: a
// week of traffic under the @production fallback config, a cost_optimized candidate replayed in
// routing_only and checked against an independent calculation over the same rows, promotion
// (a new version, audited, announced, picked up by the snapshot publisher), cancel and delete,
// verdicts and their webhooks, with_responses without captured content refused clearly, one
// request replayed, tenancy.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { lookupModel } from "#shared/pricing/catalog.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import {
  BASELINE_SLUG,
  COST_OPTIMIZED_CANDIDATE,
  seedExperimentWorld,
  writeTraffic,
} from "../../bench/experiments/traffic.ts";
import { auditLog, experiments, webhookDeliveries } from "../../controlplane/db/schema/index.ts";
import {
  type ExperimentRunner,
  startExperimentRunner,
} from "../../controlplane/experiments/runner.ts";
import { SnapshotPublisher } from "../../controlplane/publisher/snapshot-publisher.ts";
import { EXPECTED_OUTPUT_TOKENS } from "../../dataplane/routing/strategies/cost-optimized.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const START = new Date("2026-03-02T00:00:00.000Z");
const END = new Date(START.getTime() + 7 * 86_400_000);
const REQUESTS = 3_000;

describe.skipIf(servicesAbsent)("experiments (Postgres, Parquet warehouse)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let runner: ExperimentRunner;
  let publisher: SnapshotPublisher;
  let bus: Bus;
  let root: string;
  let rows: RequestLogRow[];
  const received: Json[] = [];
  let receiver: ReturnType<typeof Bun.serve>;

  const definition = (overrides: Record<string, unknown> = {}) => ({
    name: "cheaper production",
    project_id: harness.org.projectId,
    baseline_config: BASELINE_SLUG,
    candidate_config: COST_OPTIMIZED_CANDIDATE,
    window_start: START.toISOString(),
    window_end: END.toISOString(),
    mode: "routing_only",
    ...overrides,
  });

  /** Creates an experiment, lets the runner take it, and returns it once it has ended. */
  async function run(overrides: Record<string, unknown> = {}): Promise<Json> {
    const created = await harness.rest("POST", "/experiments", { body: definition(overrides) });
    expect(created.status).toBe(202);
    expect(created.body.data.status).toBe("queued");
    runner.wake();
    await runner.idle();
    const got = await harness.rest("GET", `/experiments/${created.body.data.id}`);
    return got.body.data;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-experiments-"));
    harness = await startManagementHarness(database.handle, {
      tracesRoot: root,
      env: { MODELUX_MANAGEMENT_RPM: "10000" },
    });
    const { orgId, projectId } = harness.org;
    await seedExperimentWorld(database.handle.db, { orgId, projectId, secretBox: testSecretBox });
    rows = await writeTraffic({
      root,
      orgId,
      projectId,
      start: START,
      days: 7,
      requests: REQUESTS,
      observedRequests: 300,
      seed: 11,
    });
    receiver = Bun.serve({
      port: 0,
      async fetch(request) {
        received.push(await request.json());
        return new Response("ok");
      },
    });
    await harness.rest("POST", "/webhooks", {
      body: { url: `http://127.0.0.1:${receiver.port}/hook`, event_types: ["*"] },
    });
    // Runs only when woken: each test decides when the queue moves.
    runner = startExperimentRunner({
      db: database.handle.db,
      root,
      log: () => {},
      pollMs: 3_600_000,
      secretBox: testSecretBox,
    });
    bus = createInProcessBus();
    publisher = new SnapshotPublisher({ database: database.handle, bus, pollMs: 60_000 });
    await publisher.start();
  }, 60_000);

  afterAll(async () => {
    await runner?.stop();
    await publisher?.stop();
    await bus?.close();
    await harness?.stop();
    receiver?.stop(true);
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("routing_only: cost delta and route distribution match an independent calculation", async () => {
    const experiment = await run({
      success_criteria: {
        min_sample_size: 1000,
        predicates: [
          { metric: "cost_delta_pct", op: "lt", value: -20 },
          { metric: "error_rate_delta_pct", op: "lte", value: 0 },
        ],
      },
    });
    expect(experiment).toMatchObject({
      status: "completed",
      progress: 1,
      verdict: "pass",
      error: null,
    });
    const expected = independentCalculation(rows);

    expect(experiment.baseline_summary.requests).toBe(REQUESTS);
    expect(experiment.candidate_summary.requests).toBe(REQUESTS);
    expect(experiment.baseline_summary.cost_usd).toBeCloseTo(expected.baselineCost, 6);
    expect(experiment.candidate_summary.cost_usd).toBeCloseTo(expected.candidateCost, 6);
    const delta = ((expected.candidateCost - expected.baselineCost) / expected.baselineCost) * 100;
    expect(experiment.comparison.cost_delta_pct).toBeCloseTo(delta, 4);
    expect(routeCounts(experiment.candidate_summary.routes)).toEqual(expected.candidateRoutes);
    expect(routeCounts(experiment.baseline_summary.routes)).toEqual(expected.baselineRoutes);
    for (const route of experiment.candidate_summary.routes)
      expect(route.share).toBeCloseTo(route.requests / REQUESTS, 5);

    // The candidate's models never failed in the window; only the requests' own errors remain.
    expect(experiment.candidate_summary.errors).toBe(expected.clientErrors);
    expect(experiment.baseline_summary.errors).toBe(expected.baselineErrors);
    expect(experiment.comparison.changed_requests).toBe(REQUESTS - expected.clientErrors);
    // Latencies are drawn from what each chosen model did in the window.
    const p50 = experiment.candidate_summary.p50_latency_ms;
    expect(p50).toBeGreaterThan(100);
    expect(p50).toBeLessThan(20_000);
    expect(experiment.notes).toMatchObject({
      replayed_requests: REQUESTS,
      matching_requests: REQUESTS,
      unroutable_requests: 0,
    });
    expect(experiment.criteria.predicates.map((predicate: Json) => predicate.holds)).toEqual([
      true,
      true,
    ]);

    // The same definition replays the same sample with the same draws.
    const again = await run({
      success_criteria: {
        min_sample_size: 1000,
        predicates: [{ metric: "cost_delta_pct", op: "lt", value: -20 }],
      },
    });
    expect(again.candidate_summary).toEqual(experiment.candidate_summary);
    expect(again.comparison).toEqual(experiment.comparison);
  }, 60_000);

  test("filters and a deterministic sample narrow the replayed requests", async () => {
    const searchRows = rows.filter(
      (row) => row.config_slug === BASELINE_SLUG && row.tags.team === "search",
    );
    const narrowed = await run({ filters: { tags: { team: "search" } }, sample_size: 500 });
    expect(narrowed.status).toBe("completed");
    expect(narrowed.notes.matching_requests).toBe(searchRows.length);
    expect(narrowed.baseline_summary.requests).toBe(500);
    const byUser = await run({ filters: { end_user: "user-7", model: "gpt-4o" } });
    const expectedUser = rows.filter(
      (row) =>
        row.config_slug === BASELINE_SLUG && row.end_user === "user-7" && row.model === "gpt-4o",
    );
    expect(byUser.baseline_summary.requests).toBe(expectedUser.length);
  }, 60_000);

  test("a fail verdict sends experiment.regression_detected and needs force to promote", async () => {
    const failing = await run({
      name: "must not get dearer than -95 %",
      success_criteria: { predicates: [{ metric: "cost_delta_pct", op: "lt", value: -95 }] },
    });
    expect(failing.verdict).toBe("fail");
    expect(failing.criteria.reason).toContain("cost_delta_pct");
    const refused = await harness.rest("POST", `/experiments/${failing.id}/promote`, { body: {} });
    expect(refused.status).toBe(409);
    const events = await deliveredEvents(failing.id);
    expect(events).toEqual(
      expect.arrayContaining(["experiment.completed", "experiment.regression_detected"]),
    );
  }, 60_000);

  test("promote saves the candidate as the baseline's next version, audited, announced and published", async () => {
    const experiment = await run();
    expect(experiment.verdict).toBe("inconclusive");
    expect(await deliveredEvents(experiment.id)).toEqual(["experiment.completed"]);
    const viewer = await harness.rest("POST", `/experiments/${experiment.id}/promote`, {
      key: harness.org.keys.viewer,
      body: {},
    });
    expect(viewer.status).toBe(403);
    const promoted = await harness.rest("POST", `/experiments/${experiment.id}/promote`, {
      body: { message: "cheaper, same errors" },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body.data.routing_config).toMatchObject({
      slug: BASELINE_SLUG,
      version: 2,
      previous_version: 1,
    });
    expect(promoted.body.data.experiment.promoted).toMatchObject({ version: 2 });

    const configId = promoted.body.data.routing_config.id;
    const config = await harness.rest("GET", `/routing-configs/${configId}`);
    expect(config.body.data).toMatchObject({
      current_version: 2,
      config: COST_OPTIMIZED_CANDIDATE,
    });
    const version = await harness.rest("GET", `/routing-configs/${configId}/versions/2`);
    expect(version.body.data.message).toBe("cheaper, same errors");

    const audits = await database.handle.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.org_id, harness.org.orgId));
    expect(audits.map((entry) => entry.action)).toEqual(
      expect.arrayContaining([
        "experiment.created",
        "routing_config.promoted",
        "experiment.promoted",
      ]),
    );
    const updates = await database.handle.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.event_type, "routing_config.updated"));
    expect(updates.length).toBeGreaterThan(0);

    // The snapshot publisher (woken by the config tables' NOTIFY) carries the new version.
    await waitUntil(async () => {
      const body = publisher.latest?.body as SnapshotBody | undefined;
      const entry = body?.routing_configs.find(
        (item) => item.project_id === harness.org.projectId && item.slug === BASELINE_SLUG,
      );
      return entry?.version === 2 && entry.config.strategy === "cost_optimized";
    }, 5_000);
  }, 60_000);

  test("cancel and delete; a cancelled experiment stays cancelled", async () => {
    const created = await harness.rest("POST", "/experiments", {
      body: definition({ name: "to cancel" }),
    });
    const id = created.body.data.id;
    const cancelled = await harness.rest("POST", `/experiments/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe("cancelled");
    runner.wake();
    await runner.idle();
    expect((await harness.rest("GET", `/experiments/${id}`)).body.data.status).toBe("cancelled");
    expect((await harness.rest("POST", `/experiments/${id}/cancel`)).status).toBe(409);
    expect((await harness.rest("POST", `/experiments/${id}/promote`, { body: {} })).status).toBe(
      409,
    );
    const removed = await harness.rest("DELETE", `/experiments/${id}`);
    expect(removed.body.data).toEqual({ id, deleted: true });
    expect((await harness.rest("GET", `/experiments/${id}`)).status).toBe(404);
    const listed = await harness.rest("GET", "/experiments?limit=100");
    expect(listed.body.data.map((item: Json) => item.id)).not.toContain(id);
    expect(listed.body.data.length).toBeGreaterThan(3);
  }, 60_000);

  test("an experiment left running by a control plane that died is run again", async () => {
    const created = await harness.rest("POST", "/experiments", {
      body: definition({ name: "orphaned", sample_size: 200 }),
    });
    const id = created.body.data.id;
    await database.handle.db
      .update(experiments)
      .set({ status: "running", progress: 0.4, updated_at: new Date(Date.now() - 10 * 60_000) })
      .where(eq(experiments.id, id));
    runner.wake();
    await runner.idle();
    const ended = (await harness.rest("GET", `/experiments/${id}`)).body.data;
    expect(ended).toMatchObject({ status: "completed", progress: 1 });
    expect(ended.baseline_summary.requests).toBe(200);
  }, 30_000);

  test("with_responses without captured content fails with a clear error", async () => {
    const experiment = await run({ mode: "with_responses", spend_cap_usd: 1, sample_size: 10 });
    expect(experiment.status).toBe("failed");
    // The generated traffic has no prompts: nothing can be re-sent, and the error says why.
    expect(experiment.error).toContain(`none of the ${REQUESTS} matching requests`);
    const failed = rows.filter((row) => row.config_slug === BASELINE_SLUG && row.status >= 400);
    expect(experiment.error).toContain(
      `baseline_failed ${failed.length}, not_captured ${REQUESTS - failed.length}`,
    );
    expect(experiment.error).toContain("capture_content");
    const uncapped = await harness.rest("POST", "/experiments", {
      body: definition({ mode: "with_responses" }),
    });
    expect(uncapped.status).toBe(400);
    expect(uncapped.body.error.fields[0].field).toBe("body.spend_cap_usd");
    const oversized = await harness.rest("POST", "/experiments", {
      body: definition({ mode: "with_responses", spend_cap_usd: 1, sample_size: 5_000 }),
    });
    expect(oversized.body.error.fields[0].field).toBe("body.sample_size");
  }, 30_000);

  test("definitions are checked: candidate, baseline, window", async () => {
    const invalid = await harness.rest("POST", "/experiments", {
      body: definition({ candidate_config: { strategy: "fallback", attempts: [] } }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields[0].field).toStartWith("body.candidate_config");
    const missingVersion = await harness.rest("POST", "/experiments", {
      body: definition({ candidate_config: "production@99" }),
    });
    expect(missingVersion.status).toBe(404);
    const noBaseline = await harness.rest("POST", "/experiments", {
      body: definition({ baseline_config: "nope" }),
    });
    expect(noBaseline.status).toBe(400);
    const backwards = await harness.rest("POST", "/experiments", {
      body: definition({ window_end: START.toISOString(), window_start: END.toISOString() }),
    });
    expect(backwards.status).toBe(400);
    // A stored version works as the candidate: production@1 is the fallback config itself.
    const same = await run({ candidate_config: "@production@1" });
    expect(same.status).toBe("completed");
    expect(same.comparison.changed_requests).toBe(0);
    expect(same.comparison.cost_delta_pct).toBeCloseTo(0, 9);
  }, 60_000);

  test("one request replayed: both decisions side by side", async () => {
    const row = rows.find(
      (entry) =>
        entry.config_slug === BASELINE_SLUG &&
        entry.status === 200 &&
        entry.req_has_tools &&
        entry.model === "gpt-4o",
    ) as RequestLogRow;
    const replay = await harness.rest("POST", `/logs/${row.request_id}/replay`, {
      key: harness.org.keys.developer,
      body: { routing_config: COST_OPTIMIZED_CANDIDATE },
    });
    expect(replay.status).toBe(200);
    const data = replay.body.data;
    expect(data.baseline).toMatchObject({
      model: "gpt-4o",
      provider: "openai",
      strategy: "fallback",
    });
    expect(data.baseline.trace.attempts[0].model).toBe("gpt-4o");
    expect(data.candidate.strategy).toBe("cost_optimized");
    expect(data.candidate.decision).toEqual(expectedPick(row));
    expect(
      data.candidate.candidates.find((entry: Json) => entry.model === "llama3-8b-8192").status,
    ).toBe("excluded");
    expect(data.same_decision).toBe(false);
    const byVersion = await harness.rest("POST", `/logs/${row.request_id}/replay`, {
      body: { routing_config: "production@1", created_at: row.created_at },
    });
    expect(byVersion.body.data.candidate.decision).toEqual({
      winner: "gpt-4o",
      provider: "openai",
    });
    expect(byVersion.body.data.same_decision).toBe(true);
    const missing = await harness.rest(
      "POST",
      "/logs/0190a4c2-0000-7000-8000-000000000000/replay",
      {
        body: { routing_config: "production" },
      },
    );
    expect(missing.status).toBe(404);
  }, 30_000);

  test("another org sees none of it and can promote nothing", async () => {
    const mine = (await harness.rest("GET", "/experiments")).body.data[0];
    const key = harness.other.keys.owner;
    expect((await harness.rest("GET", `/experiments/${mine.id}`, { key })).status).toBe(404);
    expect(
      (await harness.rest("POST", `/experiments/${mine.id}/promote`, { key, body: {} })).status,
    ).toBe(404);
    expect((await harness.rest("POST", `/experiments/${mine.id}/cancel`, { key })).status).toBe(
      404,
    );
    expect((await harness.rest("DELETE", `/experiments/${mine.id}`, { key })).status).toBe(404);
    expect((await harness.rest("GET", "/experiments", { key })).body.data).toEqual([]);
    const foreign = await harness.rest("POST", "/experiments", { key, body: definition() });
    expect(foreign.status).toBe(404);
    const replay = await harness.rest("POST", `/logs/${rows[0]?.request_id}/replay`, {
      key,
      body: { routing_config: COST_OPTIMIZED_CANDIDATE },
    });
    expect(replay.status).toBe(404);
  }, 30_000);

  /** The experiment's webhook events as the receiver got them. */
  async function deliveredEvents(experimentId: string): Promise<string[]> {
    await waitUntil(async () => {
      const pending = await database.handle.db
        .select({ status: webhookDeliveries.status })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.status, "pending")));
      return pending.length === 0;
    }, 5_000);
    return received
      .filter((event) => event.data?.experiment?.id === experimentId)
      .map((event) => event.type as string)
      .sort();
  }
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(20);
  }
}

/** `model@provider` → requests; failed requests (no model) under "failed". */
function routeCounts(routes: Json[]): Record<string, number> {
  return Object.fromEntries(
    routes.map((route) => [
      route.model ? `${route.model}@${route.provider}` : "failed",
      route.requests,
    ]),
  );
}

/** What cost_optimized must pick for a row, from the catalog and the row's features alone. */
function expectedPick(row: RequestLogRow): { winner: string; provider: string } {
  const ranked = COST_OPTIMIZED_CANDIDATE.allowed_models
    .map((target, order) => ({ target, order, info: lookupModel(target.provider, target.model) }))
    .filter(({ info }) => {
      if (row.req_has_tools && !info.supports.tools) return false;
      if (row.req_has_images && !info.supports.vision) return false;
      if (row.req_wants_json && !info.supports.json) return false;
      const needed = row.req_input_tokens + (row.req_max_tokens ?? 0);
      return info.contextWindow === null || needed <= info.contextWindow;
    })
    .map((entry) => ({
      ...entry,
      cost:
        row.req_input_tokens * entry.info.price.input +
        (row.req_max_tokens ?? EXPECTED_OUTPUT_TOKENS) * entry.info.price.output,
    }))
    .sort((a, b) => a.cost - b.cost || a.order - b.order);
  const first = ranked[0];
  if (!first) throw new Error(`no candidate for ${row.request_id}`);
  return { winner: first.target.model, provider: first.target.provider };
}

/** DuckDB's median: the mean of the two middle values of an even count. */
function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1
    ? (sorted[Math.floor(middle)] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The documented rules (docs/experiments.md) applied to the generated rows without the replay
 * code: client errors carry over; otherwise the cheapest eligible model answers (none of the
 * candidates failed in the window); a request that succeeded keeps its input tokens and scales
 * its output tokens by the ratio of the two models' median output in the window; one that
 * failed is priced at its estimated input and the candidate's median output.
 */
function independentCalculation(rows: RequestLogRow[]) {
  const outputs = new Map<string, number[]>();
  for (const row of rows) {
    for (const attempt of JSON.parse(row.trace).attempts) {
      if (attempt.status !== 200 || !attempt.usage) continue;
      const key = `${attempt.provider}/${attempt.model}`;
      outputs.set(key, [...(outputs.get(key) ?? []), attempt.usage.outputTokens]);
    }
  }
  const medianOf = (provider: string, model: string) =>
    median(outputs.get(`${provider}/${model}`) ?? []);
  const samplesOf = (provider: string, model: string) =>
    outputs.get(`${provider}/${model}`)?.length ?? 0;

  let baselineCost = 0;
  let candidateCost = 0;
  let clientErrors = 0;
  let baselineErrors = 0;
  const candidateRoutes: Record<string, number> = {};
  const baselineRoutes: Record<string, number> = {};
  const count = (routes: Record<string, number>, key: string) => {
    routes[key] = (routes[key] ?? 0) + 1;
  };
  for (const row of rows) {
    if (row.config_slug !== BASELINE_SLUG) continue;
    baselineCost += row.cost_usd;
    count(baselineRoutes, row.status < 400 ? `${row.model}@${row.provider}` : "failed");
    if (row.status >= 400) baselineErrors++;
    if (row.status === 400) {
      clientErrors++;
      count(candidateRoutes, "failed");
      continue;
    }
    const pick = expectedPick(row);
    count(candidateRoutes, `${pick.winner}@${pick.provider}`);
    const price = lookupModel(pick.provider, pick.winner).price;
    if (row.status < 400 && row.model && row.provider) {
      const from = medianOf(row.provider, row.model) as number;
      const to = medianOf(pick.provider, pick.winner) as number;
      const enough =
        samplesOf(row.provider, row.model) >= 20 && samplesOf(pick.provider, pick.winner) >= 20;
      const ratio = enough ? to / from : 1;
      candidateCost += row.input_tokens * price.input + row.output_tokens * ratio * price.output;
    } else {
      const output = medianOf(pick.provider, pick.winner) as number;
      candidateCost += row.req_input_tokens * price.input + output * price.output;
    }
  }
  return {
    baselineCost,
    candidateCost,
    clientErrors,
    baselineErrors,
    candidateRoutes,
    baselineRoutes,
  };
}
