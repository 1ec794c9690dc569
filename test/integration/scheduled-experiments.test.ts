// Scheduled experiments end to end on real Postgres and a Parquet warehouse: the scheduler's
// clock is injected (no wall-clock waits), the runner is woken by the test. A schedule runs when
// its fire is due and not before, over the window before the fire; a failing run sends
// experiment.regression_detected once with its signal_key, a passing one closes it; history;
// pause and resume; two schedulers on two connections run a fire once; another org sees and runs
// nothing; bad input is a 400 naming the field.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import {
  BASELINE_SLUG,
  COST_OPTIMIZED_CANDIDATE,
  seedExperimentWorld,
  writeTraffic,
} from "../../bench/experiments/traffic.ts";
import { type DatabaseHandle, openPostgres } from "../../controlplane/db/client.ts";
import {
  experiments,
  scheduledExperiments,
  webhookDeliveries,
} from "../../controlplane/db/schema/index.ts";
import { nextFire, parseCron } from "../../controlplane/experiments/cron.ts";
import {
  type ExperimentRunner,
  startExperimentRunner,
} from "../../controlplane/experiments/runner.ts";
import {
  type ExperimentScheduler,
  startExperimentScheduler,
} from "../../controlplane/experiments/scheduler.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CRON = "0 9 * * *";
/** Passes on this traffic: the cost_optimized candidate is far cheaper than gpt-4o. */
const PASSING = {
  min_sample_size: 100,
  predicates: [
    { metric: "cost_delta_pct", op: "lt", value: -20 },
    { metric: "error_rate_delta_pct", op: "lte", value: 0 },
  ],
};
/** Fails on this traffic: nothing is 95 % cheaper. */
const FAILING = { predicates: [{ metric: "cost_delta_pct", op: "lt", value: -95 }] };

describe.skipIf(servicesAbsent)("scheduled experiments (Postgres, Parquet warehouse)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let runner: ExperimentRunner;
  let root: string;
  let rows: RequestLogRow[];
  let receiver: ReturnType<typeof Bun.serve>;
  const schedulers: ExperimentScheduler[] = [];
  const handles: DatabaseHandle[] = [];

  const definition = (overrides: Record<string, unknown> = {}) => ({
    name: "nightly cost check",
    project_id: harness.org.projectId,
    baseline_config: BASELINE_SLUG,
    candidate_config: COST_OPTIMIZED_CANDIDATE,
    cron_expression: CRON,
    window_hours: 24,
    success_criteria: PASSING,
    ...overrides,
  });

  async function create(overrides: Record<string, unknown> = {}): Promise<Json> {
    const created = await harness.rest("POST", "/scheduled-experiments", {
      body: definition(overrides),
    });
    expect(created.status).toBe(201);
    return created.body.data;
  }

  /** A scheduler whose clock the test holds (its timer never fires within a test). */
  function scheduler(clock: { now: number }, db = database.handle.db): ExperimentScheduler {
    const started = startExperimentScheduler({
      db,
      log: () => {},
      now: () => clock.now,
      intervalMs: 3_600_000,
    });
    schedulers.push(started);
    return started;
  }

  async function runsOf(id: string, query = ""): Promise<Json[]> {
    const listed = await harness.rest("GET", `/scheduled-experiments/${id}/runs${query}`);
    expect(listed.status).toBe(200);
    return listed.body.data;
  }

  async function drainRunner() {
    runner.wake();
    await runner.idle();
  }

  /** The webhook events the outbox holds for one scheduled experiment, by type. */
  async function eventsOf(scheduleId: string) {
    const deliveries = await database.handle.db
      .select({ payload: webhookDeliveries.payload })
      .from(webhookDeliveries);
    const events = deliveries
      .map((row) => row.payload as { type: string; data: Json })
      .filter((event) => event.data?.scheduled_experiment?.id === scheduleId);
    const of = (type: string) =>
      events.filter((event) => event.type === type).map((event) => event.data);
    return {
      completed: of("experiment.completed"),
      regressions: of("experiment.regression_detected"),
      count: events.length,
    };
  }

  /** Deletes a schedule at the end of its test: the next test's scheduler sees only its own. */
  async function retire(id: string) {
    const removed = await harness.rest("DELETE", `/scheduled-experiments/${id}`);
    expect(removed.status).toBe(200);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-scheduled-"));
    harness = await startManagementHarness(database.handle, {
      tracesRoot: root,
      env: { MODELUX_MANAGEMENT_RPM: "10000" },
    });
    const { orgId, projectId } = harness.org;
    await seedExperimentWorld(database.handle.db, { orgId, projectId, secretBox: testSecretBox });
    // Traffic around the next 09:00 UTC, where the schedules' first fires fall.
    const anchor = nextFire(parseCron(CRON), Date.now()) as number;
    rows = await writeTraffic({
      root,
      orgId,
      projectId,
      start: new Date(anchor - 7 * DAY),
      days: 10,
      requests: 4_000,
      observedRequests: 400,
      seed: 23,
    });
    receiver = Bun.serve({ port: 0, fetch: () => new Response("ok") });
    await harness.rest("POST", "/webhooks", {
      body: { url: `http://127.0.0.1:${receiver.port}/hook`, event_types: ["*"] },
    });
    runner = startExperimentRunner({
      db: database.handle.db,
      root,
      log: () => {},
      pollMs: 3_600_000,
      secretBox: testSecretBox,
    });
    // Its first look (after DuckDB starts) must be over before a test queues a run, or that look
    // takes the run before the test sees it queued (a clean-clone CI run did).
    await runner.idle();
  }, 60_000);

  afterAll(async () => {
    for (const started of schedulers) await started.stop();
    await runner?.stop();
    for (const handle of handles) await handle.close();
    await harness?.stop();
    receiver?.stop(true);
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("a schedule runs when its fire is due and not before, over the window before the fire", async () => {
    const schedule = await create();
    expect(schedule).toMatchObject({
      status: "active",
      cron_expression: CRON,
      window_hours: 24,
      last_run_id: null,
      regression: null,
    });
    const fire = Date.parse(schedule.next_run_at);
    // 09:00 UTC, after creation, within a day.
    expect(new Date(fire).getUTCHours()).toBe(9);
    expect(new Date(fire).getUTCMinutes()).toBe(0);

    const clock = { now: fire - 1_000 };
    const first = scheduler(clock);
    expect(await first.runDue()).toBe(0);
    expect(await runsOf(schedule.id)).toEqual([]);

    clock.now = fire;
    expect(await first.runDue()).toBe(1);
    // Due once: the fire moved on to the next day.
    expect(await first.runDue()).toBe(0);
    const queued = await runsOf(schedule.id);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      trigger: "schedule",
      status: "queued",
      scheduled_for: new Date(fire).toISOString(),
      window_start: new Date(fire - 24 * HOUR).toISOString(),
      window_end: new Date(fire).toISOString(),
      verdict: null,
    });
    const moved = (await harness.rest("GET", `/scheduled-experiments/${schedule.id}`)).body.data;
    expect(Date.parse(moved.next_run_at)).toBe(fire + DAY);
    expect(moved.last_run_id).toBe(queued[0].id);

    await drainRunner();
    const [run] = await runsOf(schedule.id);
    expect(run).toMatchObject({ status: "completed", verdict: "pass", regression_detected: false });
    expect(run.comparison.cost_delta_pct).toBeLessThan(-20);
    expect(run.criteria.predicates.map((predicate: Json) => predicate.holds)).toEqual([true, true]);

    // The run's experiment replayed exactly the baseline's requests of the 24 hours before the fire.
    const experiment = (await harness.rest("GET", `/experiments/${run.experiment_id}`)).body.data;
    const inWindow = rows.filter((row) => {
      const at = Date.parse(row.created_at);
      return row.config_slug === BASELINE_SLUG && at >= fire - 24 * HOUR && at < fire;
    });
    expect(inWindow.length).toBeGreaterThan(100);
    expect(experiment.notes.matching_requests).toBe(inWindow.length);
    expect(experiment).toMatchObject({
      status: "completed",
      verdict: "pass",
      window_start: new Date(fire - 24 * HOUR).toISOString(),
      window_end: new Date(fire).toISOString(),
      success_criteria: expect.objectContaining({ min_sample_size: 100 }),
    });
    expect(experiment.comparison).toEqual(run.comparison);

    const after = (await harness.rest("GET", `/scheduled-experiments/${schedule.id}`)).body.data;
    expect(after).toMatchObject({ last_verdict: "pass", regression: null });

    // experiment.completed for the run, with its verdict; no regression.
    const events = await eventsOf(schedule.id);
    expect(events.count).toBe(1);
    expect(events.completed[0]).toMatchObject({
      verdict: "pass",
      run: { id: run.id, verdict: "pass", status: "completed" },
      scheduled_experiment: { id: schedule.id, last_verdict: "pass" },
      experiment: { id: run.experiment_id, verdict: "pass" },
    });

    // A scheduler started afresh (a restart) reads the next fire from Postgres.
    const restarted = scheduler({ now: fire + DAY - 1 });
    expect(await restarted.runDue()).toBe(0);
    await retire(schedule.id);
  }, 60_000);

  test("a failing run sends experiment.regression_detected once; a passing run closes the regression", async () => {
    const schedule = await create({ name: "must be 95 % cheaper", success_criteria: FAILING });
    const fire = Date.parse(schedule.next_run_at);
    const clock = { now: fire };
    const ticking = scheduler(clock);

    expect(await ticking.runDue()).toBe(1);
    await drainRunner();
    const [failed] = await runsOf(schedule.id);
    const signalKey = `scheduled_experiment:${schedule.id}:regression:${failed.id}`;
    expect(failed).toMatchObject({
      status: "completed",
      verdict: "fail",
      regression_detected: true,
      signal_key: signalKey,
    });
    const opened = (await harness.rest("GET", `/scheduled-experiments/${schedule.id}`)).body.data;
    expect(opened.regression).toMatchObject({ signal_key: signalKey, run_id: failed.id });
    expect(opened.last_verdict).toBe("fail");

    let events = await eventsOf(schedule.id);
    expect(events.count).toBe(2);
    expect(events.regressions).toHaveLength(1);
    const regression = events.regressions[0];
    expect(regression).toMatchObject({
      signal_key: signalKey,
      verdict: "fail",
      run: { id: failed.id, verdict: "fail", regression_detected: true, signal_key: signalKey },
      scheduled_experiment: {
        id: schedule.id,
        name: "must be 95 % cheaper",
        regression: { signal_key: signalKey, run_id: failed.id },
      },
      experiment: { id: failed.experiment_id, verdict: "fail" },
    });
    expect(regression.reason).toContain("cost_delta_pct");
    expect(regression.breached).toEqual([
      {
        metric: "cost_delta_pct",
        op: "lt",
        value: -95,
        actual: failed.comparison.cost_delta_pct,
        holds: false,
      },
    ]);
    expect(events.completed[0]).toMatchObject({ verdict: "fail", run: { id: failed.id } });

    // The regression persists: the next run fails too, and only experiment.completed is sent.
    clock.now = fire + DAY;
    expect(await ticking.runDue()).toBe(1);
    await drainRunner();
    const [again] = await runsOf(schedule.id);
    expect(again).toMatchObject({
      verdict: "fail",
      regression_detected: false,
      signal_key: signalKey,
    });
    events = await eventsOf(schedule.id);
    expect(events.completed).toHaveLength(2);
    expect(events.regressions).toHaveLength(1);

    // The criteria loosened behind the API's back (the API would close the regression itself):
    // the next run passes, and that closes it.
    await database.handle.db
      .update(scheduledExperiments)
      .set({ success_criteria: PASSING })
      .where(eq(scheduledExperiments.id, schedule.id));
    clock.now = fire + 2 * DAY;
    expect(await ticking.runDue()).toBe(1);
    await drainRunner();
    const [passed] = await runsOf(schedule.id);
    expect(passed).toMatchObject({ verdict: "pass", signal_key: null, regression_detected: false });
    const closed = (await harness.rest("GET", `/scheduled-experiments/${schedule.id}`)).body.data;
    expect(closed).toMatchObject({ regression: null, last_verdict: "pass" });

    // Failing again is a new regression, with a new key, announced again.
    const tightened = await harness.rest("PATCH", `/scheduled-experiments/${schedule.id}`, {
      body: { success_criteria: FAILING },
    });
    expect(tightened.status).toBe(200);
    const run = await harness.rest("POST", `/scheduled-experiments/${schedule.id}/run`);
    expect(run.status).toBe(202);
    await drainRunner();
    const [newest] = await runsOf(schedule.id);
    expect(newest).toMatchObject({ trigger: "manual", verdict: "fail", regression_detected: true });
    expect(newest.signal_key).toBe(`scheduled_experiment:${schedule.id}:regression:${newest.id}`);
    events = await eventsOf(schedule.id);
    expect(events.completed).toHaveLength(4);
    expect(events.regressions.map((event) => event.signal_key)).toEqual(
      expect.arrayContaining([signalKey, newest.signal_key]),
    );
    expect(events.regressions).toHaveLength(2);

    // History: every run, newest first, paged, filtered by verdict.
    const history = await runsOf(schedule.id);
    expect(history.map((entry: Json) => entry.verdict)).toEqual(["fail", "pass", "fail", "fail"]);
    const page = await harness.rest("GET", `/scheduled-experiments/${schedule.id}/runs?limit=3`);
    expect(page.body.data).toHaveLength(3);
    const rest = await runsOf(schedule.id, `?limit=3&cursor=${page.body.next_cursor}`);
    expect(rest.map((entry: Json) => entry.id)).toEqual([history[3].id]);
    expect((await runsOf(schedule.id, "?verdict=pass")).map((entry: Json) => entry.id)).toEqual([
      passed.id,
    ]);
    const one = await harness.rest(
      "GET",
      `/scheduled-experiments/${schedule.id}/runs/${failed.id}`,
    );
    expect(one.body.data).toEqual(history[3]);
    await retire(schedule.id);
  }, 90_000);

  test("paused, it does not run; resumed, a stretch of missed fires runs once", async () => {
    const schedule = await create({ name: "paused one" });
    const fire = Date.parse(schedule.next_run_at);
    const paused = await harness.rest("POST", `/scheduled-experiments/${schedule.id}/pause`);
    expect(paused.body.data).toMatchObject({ status: "paused", next_run_at: null });
    expect((await harness.rest("POST", `/scheduled-experiments/${schedule.id}/pause`)).status).toBe(
      409,
    );
    const clock = { now: fire + 3 * DAY };
    const ticking = scheduler(clock);
    expect(await ticking.runDue()).toBe(0);
    expect(await runsOf(schedule.id)).toEqual([]);

    const resumed = await harness.rest("POST", `/scheduled-experiments/${schedule.id}/resume`);
    expect(resumed.body.data.status).toBe("active");
    const next = Date.parse(resumed.body.data.next_run_at);
    // The clock is three days past it: one run, for the latest of the fires missed.
    clock.now = next + 2 * DAY + 5 * 60_000;
    expect(await ticking.runDue()).toBe(1);
    const runs = await runsOf(schedule.id);
    expect(runs).toHaveLength(1);
    expect(runs[0].scheduled_for).toBe(new Date(next + 2 * DAY).toISOString());
    const moved = (await harness.rest("GET", `/scheduled-experiments/${schedule.id}`)).body.data;
    expect(Date.parse(moved.next_run_at)).toBe(next + 3 * DAY);
    await drainRunner();
    await retire(schedule.id);
  }, 60_000);

  test("two schedulers on two connections run a due fire once", async () => {
    const schedule = await create({ name: "raced" });
    const fire = Date.parse(schedule.next_run_at);
    const other = openPostgres(database.url, { max: 2 });
    handles.push(other);
    const clock = { now: fire };
    const a = scheduler(clock);
    const b = scheduler(clock, other.db);

    // While one control plane holds the schedule, the other skips it rather than wait.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = other.db.transaction(async (transaction) => {
      await transaction
        .select()
        .from(scheduledExperiments)
        .where(eq(scheduledExperiments.id, schedule.id))
        .for("update");
      locked();
      await held;
    });
    await lockTaken;
    expect(await a.runDue()).toBe(0);
    release();
    await holder;

    // Both at once: one run between them.
    const counts = await Promise.all([a.runDue(), b.runDue(), a.runDue(), b.runDue()]);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(1);
    expect(await runsOf(schedule.id)).toHaveLength(1);
    const queued = await database.handle.db
      .select({ id: experiments.id })
      .from(experiments)
      .where(and(eq(experiments.org_id, harness.org.orgId), eq(experiments.status, "queued")));
    expect(queued).toHaveLength(1);
    await drainRunner();
    await retire(schedule.id);
  }, 60_000);

  test("run now: a manual run over the hours before now, refused while one is in flight; delete cancels it", async () => {
    const schedule = await create({ name: "by hand", window_hours: 6 });
    const before = Date.now();
    const run = await harness.rest("POST", `/scheduled-experiments/${schedule.id}/run`);
    expect(run.status).toBe(202);
    const end = Date.parse(run.body.data.window_end);
    expect(end).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(end - Date.parse(run.body.data.window_start)).toBe(6 * HOUR);
    expect(run.body.data).toMatchObject({ trigger: "manual", status: "queued" });
    const busy = await harness.rest("POST", `/scheduled-experiments/${schedule.id}/run`);
    expect(busy.status).toBe(409);
    expect(busy.body.error.id).toBe(run.body.data.id);
    // The next fire did not move.
    const unchanged = (await harness.rest("GET", `/scheduled-experiments/${schedule.id}`)).body
      .data;
    expect(unchanged.next_run_at).toBe(schedule.next_run_at);

    const removed = await harness.rest("DELETE", `/scheduled-experiments/${schedule.id}`);
    expect(removed.body.data).toEqual({ id: schedule.id, deleted: true });
    const experiment = (await harness.rest("GET", `/experiments/${run.body.data.experiment_id}`))
      .body.data;
    expect(experiment.status).toBe("cancelled");
    expect((await harness.rest("GET", `/scheduled-experiments/${schedule.id}`)).status).toBe(404);
    expect((await harness.rest("GET", `/scheduled-experiments/${schedule.id}/runs`)).status).toBe(
      404,
    );
  }, 30_000);

  test("another org can neither see nor run nor change it", async () => {
    const schedule = await create({ name: "mine" });
    const key = harness.other.keys.owner;
    const item = `/scheduled-experiments/${schedule.id}`;
    for (const [method, path, body] of [
      ["GET", item, undefined],
      ["PATCH", item, { name: "theirs" }],
      ["POST", `${item}/pause`, undefined],
      ["POST", `${item}/resume`, undefined],
      ["POST", `${item}/run`, undefined],
      ["GET", `${item}/runs`, undefined],
      ["DELETE", item, undefined],
    ] as const) {
      const response = await harness.rest(method, path, { key, body });
      expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 404`);
      expect(response.body.error.code).toBe("scheduled_experiment_not_found");
    }
    expect((await harness.rest("GET", "/scheduled-experiments", { key })).body.data).toEqual([]);
    // Nor define one over this org's project.
    const foreign = await harness.rest("POST", "/scheduled-experiments", {
      key,
      body: definition(),
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("project_not_found");
    // Still there, unchanged, and not run.
    const mine = (await harness.rest("GET", item)).body.data;
    expect(mine).toMatchObject({ name: "mine", status: "active" });
    expect(await runsOf(schedule.id)).toEqual([]);
    // A viewer reads but does not run.
    const viewer = harness.org.keys.viewer;
    expect((await harness.rest("GET", item, { key: viewer })).status).toBe(200);
    expect((await harness.rest("POST", `${item}/run`, { key: viewer })).status).toBe(403);
  }, 30_000);

  test("bad input is a 400 naming the field", async () => {
    const field = async (body: Record<string, unknown>, item?: string) => {
      const response = await harness.rest(
        item ? "PATCH" : "POST",
        item ?? "/scheduled-experiments",
        {
          body,
        },
      );
      expect(response.status).toBe(400);
      expect(response.body.error.type).toBe("invalid_request");
      return response.body.error.fields[0];
    };
    expect(await field(definition({ cron_expression: "61 * * * *" }))).toEqual({
      field: "body.cron_expression",
      message: "minute field: 61 is outside 0-59",
    });
    expect((await field(definition({ cron_expression: "* * * * *" }))).message).toContain(
      "at most every 5 minutes",
    );
    expect((await field(definition({ window_hours: 0 }))).field).toBe("body.window_hours");
    expect((await field(definition({ window_hours: 24 * 91 }))).field).toBe("body.window_hours");
    expect((await field(definition({ window_hours: 1.5 }))).field).toBe("body.window_hours");
    const { success_criteria: _, ...withoutCriteria } = definition();
    expect((await field(withoutCriteria)).field).toBe("body.success_criteria");
    expect(
      (
        await field(
          definition({
            success_criteria: { predicates: [{ metric: "vibes", op: "lt", value: 1 }] },
          }),
        )
      ).field,
    ).toBe("body.success_criteria.predicates.0.metric");
    expect(await field(definition({ every: "day" }))).toEqual({
      field: "body.every",
      message: "unknown field",
    });
    expect((await field(definition({ mode: "with_responses" }))).field).toBe("body.spend_cap_usd");
    expect((await field(definition({ baseline_config: "nope" }))).field).toBe(
      "body.baseline_config",
    );
    expect(
      (await field(definition({ candidate_config: { strategy: "fallback", attempts: [] } }))).field,
    ).toStartWith("body.candidate_config");
    // The published name and ours together.
    expect((await field(definition({ cronExpression: "0 8 * * *" }))).field).toBe(
      "body.cronExpression",
    );

    const schedule = await create({ name: "to patch" });
    const item = `/scheduled-experiments/${schedule.id}`;
    expect((await field({ cron_expression: "0 9 * *" }, item)).field).toBe("body.cron_expression");
    expect((await field({ candidate_policy: "single" }, item)).field).toBe("body.candidate_policy");
    expect((await field({ mode: "with_responses" }, item)).field).toBe("body.spend_cap_usd");
    // Nothing was changed by the refused patches.
    expect((await harness.rest("GET", item)).body.data).toEqual(schedule);
    const patched = await harness.rest("PATCH", item, {
      body: { cronExpression: "30 6 * * MON", windowHours: 48, name: "weekly" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      name: "weekly",
      cron_expression: "30 6 * * MON",
      window_hours: 48,
    });
    const next = new Date(patched.body.data.next_run_at);
    expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 6, 30]);
  }, 30_000);
});
