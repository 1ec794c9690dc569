// Gateway-run batches (issue 17 §3) on real Postgres through the simulator: a batch whose lines
// name an @config with a fallback runs through the batch worker and its plane (the data plane's
// library face), every line gets its result once; a worker stopped mid-run and a new one on the
// same database finish it without sending a line twice; cancel; the spend cap. The worker's
// clock jumps when it sleeps, so pacing and back-off cost no wall time.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openBatchPlane } from "../../controlplane/batches/batch-plane.ts";
import {
  cancelGatewayBatch,
  gatewayBatchResults,
  readGatewayBatch,
} from "../../controlplane/batches/batches.ts";
import type { WorkerClock } from "../../controlplane/batches/clock.ts";
import { defaultBatchSettings } from "../../controlplane/batches/settings.ts";
import { BatchWorker } from "../../controlplane/batches/worker.ts";
import {
  type BatchWorld,
  createNightlyBatch,
  type SimulatorControl,
  seedBatchWorld,
  simulatorControl,
  summaryLines,
} from "../support/batch-world.ts";
import { jumpingClock } from "../support/jumping-clock.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

/** The instant the worker's clock starts at (time moves only when the worker waits). */
const START = Date.parse("2026-03-01T02:00:00Z");

describe.skipIf(servicesAbsent)("gateway-run batches (Postgres, simulator)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let world: BatchWorld;
  let simulator: SimulatorControl;
  const settings = {
    ...defaultBatchSettings(),
    concurrency: 3,
    retryBackoffMs: 1_000,
    maxLinesPerSecond: 5,
  };

  const calls = async (model: string) =>
    Number((await simulator("GET", "calls")).counts?.openai?.[model] ?? 0);

  const worker = (clock: WorkerClock, onLineDone?: () => void) =>
    new BatchWorker({
      db: database.handle.db,
      workerId: `worker-${Math.random().toString(36).slice(2)}`,
      settings,
      clock,
      openExecutor: (batch) =>
        openBatchPlane({ db: database.handle.db, secretBox: testSecretBox }, batch),
      ...(onLineDone ? { onLineDone } : {}),
    });

  const newBatch = (lines: number, extra: { spendCapUsd?: number; deadlineAt?: Date } = {}) =>
    createNightlyBatch(world, summaryLines(lines, { prefix: "line", maxTokens: 20 }), extra);
  const runAll = async (running: BatchWorker) => {
    while (await running.runOnce()) {}
  };
  const results = async (id: string) => {
    const read = await readGatewayBatch(database.handle.db, harness.org.orgId, id);
    const lines: Json[] = [];
    for await (const line of gatewayBatchResults(
      database.handle.db,
      harness.org.orgId,
      read!.batch,
    ))
      lines.push(line);
    return { ...read!, lines };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
    world = await seedBatchWorld(database.handle.db, harness);
    simulator = simulatorControl(harness.simulator.url);
  }, 120_000);
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  test("every line of a batch on an @config gets its result, through the fallback", async () => {
    await simulator("DELETE", "faults");
    // The first target fails for the first three calls: those lines fall back to the second.
    await simulator("POST", "faults", { model: "gpt-4o", status: 503, count: 3 });
    const before = { first: await calls("gpt-4o"), second: await calls("gpt-4o-mini") };
    const batch = await newBatch(6);
    expect(await worker(jumpingClock(START)).runOnce()).toBe(true);
    const done = await results(batch.id);
    expect(done.batch.status).toBe("ended");
    expect(done.batch.end_reason).toBe("completed");
    expect(done.progress.succeeded).toBe(6);
    expect(done.lines.map((line) => line.custom_id)).toEqual(
      [0, 1, 2, 3, 4, 5].map((index) => `line-${index}`),
    );
    for (const line of done.lines) {
      expect(line.error).toBeNull();
      expect(line.response.status_code).toBe(200);
      expect(line.response.request_id).toBeString();
      expect(line.response.body.object).toBe("chat.completion");
    }
    const models = done.lines.map((line) => line.response.body.model as string);
    expect(models.filter((model) => model.startsWith("gpt-4o-mini")).length).toBe(3);
    expect((await calls("gpt-4o")) - before.first).toBe(6);
    expect((await calls("gpt-4o-mini")) - before.second).toBe(3);
    expect(done.progress.spentUsd).toBeGreaterThan(0);
  }, 60_000);

  test("a worker stopped mid-run and a new one finish the batch, no line sent twice", async () => {
    await simulator("DELETE", "faults");
    const before = await calls("gpt-4o");
    const batch = await newBatch(8);
    let doneLines = 0;
    let threeDone = () => {};
    const three = new Promise<void>((resolve) => {
      threeDone = resolve;
    });
    const first = worker(jumpingClock(START), () => {
      doneLines++;
      if (doneLines === 3) threeDone();
    });
    first.start();
    await three;
    await first.stop();
    const halfway = await readGatewayBatch(database.handle.db, harness.org.orgId, batch.id);
    expect(halfway!.batch.status).toBe("in_progress");
    expect(halfway!.progress.succeeded).toBeGreaterThanOrEqual(3);
    expect(halfway!.progress.succeeded).toBeLessThan(8);
    expect(halfway!.progress.claimed).toBe(0);
    await runAll(worker(jumpingClock(START)));
    const done = await results(batch.id);
    expect(done.batch.end_reason).toBe("completed");
    expect(done.progress.succeeded).toBe(8);
    expect(new Set(done.lines.map((line) => line.response.request_id)).size).toBe(8);
    expect((await calls("gpt-4o")) - before).toBe(8);
  }, 60_000);

  test("cancel: no line is sent after it, the rest are canceled", async () => {
    await simulator("DELETE", "faults");
    const batch = await newBatch(6);
    let doneLines = 0;
    const clock = jumpingClock(START);
    const running = worker(clock, () => {
      doneLines++;
      if (doneLines === 2)
        void cancelGatewayBatch(
          database.handle.db,
          harness.org.orgId,
          batch.id,
          new Date(clock.now()),
        );
    });
    const before = await calls("gpt-4o");
    await runAll(running);
    const done = await results(batch.id);
    expect(done.batch.end_reason).toBe("cancelled");
    const sent = (await calls("gpt-4o")) - before;
    expect(done.progress.succeeded).toBe(sent);
    expect(done.progress.canceled).toBe(6 - sent);
    expect(done.progress.canceled).toBeGreaterThan(0);
    expect(done.lines.filter((line) => line.error?.code === "batch_cancelled").length).toBe(
      6 - sent,
    );
  }, 60_000);

  test("the spend cap stops it: the rest expire with the reason", async () => {
    await simulator("DELETE", "faults");
    const probe = await newBatch(1);
    await worker(jumpingClock(START)).runOnce();
    const oneLine = (await readGatewayBatch(database.handle.db, harness.org.orgId, probe.id))!
      .progress.spentUsd;
    const batch = await newBatch(10, { spendCapUsd: oneLine * 4.5 });
    await runAll(worker(jumpingClock(START)));
    const done = await results(batch.id);
    expect(done.batch.end_reason).toBe("spend_cap");
    expect(done.progress.spentUsd).toBeLessThanOrEqual(oneLine * 4.5);
    expect(done.progress.succeeded).toBeGreaterThanOrEqual(1);
    expect(done.progress.expired).toBe(10 - done.progress.succeeded);
    expect(done.lines.filter((line) => line.error?.code === "spend_cap_reached").length).toBe(
      done.progress.expired,
    );
  }, 60_000);

  test("stop wakes an idle worker at once: its poll sleep is cut short, not waited out", async () => {
    const pollMs = 3_600_000;
    const sleeps: number[] = [];
    // Time never moves and a sleep never ends by itself: only the worker's stop can end one.
    const frozen: WorkerClock = {
      now: () => START,
      sleep: (ms, signal) => {
        sleeps.push(ms);
        return new Promise((resolve) => {
          if (signal?.aborted) return resolve();
          signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      },
    };
    const idle = new BatchWorker({
      db: database.handle.db,
      workerId: "idle",
      settings: { ...settings, pollMs },
      clock: frozen,
      openExecutor: (batch) =>
        openBatchPlane({ db: database.handle.db, secretBox: testSecretBox }, batch),
    });
    idle.start();
    await waitUntil(() => sleeps.includes(pollMs) || null);
    // Without the wake-up this would wait for the hour-long sleep (the test's timeout first).
    await idle.stop();
    // It went to sleep once, idle, and was woken by the stop (not by its clock).
    expect(sleeps.filter((ms) => ms === pollMs)).toHaveLength(1);
  }, 10_000);
});
