// A gateway-run batch on an @config with a fallback, its control plane killed mid-run and resumed
// (issue 17 §3): the results, the spend and the warehouse rows are each counted once, and a line
// answered just before the kill comes back with the answer it got. The first worker runs its
// lines through a fleet plane (spend deltas and write-ahead traces on a bus, the warehouse
// ingester and budget accounting of a control plane behind it); mid-run, two lines are answered
// and their worker dies before recording them, a third dies before its call. A second worker,
// once the lease and the lookup's grace have passed, finds the first two by their X-Request-Id
// (in the warehouse, their answers kept on the lines by the ingester; or, when the dead node never
// shipped them, in its write-ahead log with their answers beside them), records them with their
// answers and sends only the third again. Postgres, the simulator, DuckDB and Parquet are real;
// the workers' clocks jump when they sleep.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sum } from "drizzle-orm";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { newId } from "#shared/ids/ids.ts";
import { openBatchPlane } from "../../controlplane/batches/batch-plane.ts";
import { gatewayBatchResults, readGatewayBatch } from "../../controlplane/batches/batches.ts";
import type { LineExecutor } from "../../controlplane/batches/line-executor.ts";
import {
  combinedPaidLookup,
  warehousePaidLookup,
  writeAheadPaidLookup,
} from "../../controlplane/batches/paid-lookup.ts";
import { defaultBatchSettings } from "../../controlplane/batches/settings.ts";
import { BatchWorker } from "../../controlplane/batches/worker.ts";
import { type BudgetAccounting, startBudgetAccounting } from "../../controlplane/budgets/index.ts";
import { budgetSpend, budgets, type GatewayBatchRow } from "../../controlplane/db/schema/index.ts";
import { type RunningWarehouse, startWarehouse } from "../../controlplane/warehouse/index.ts";
import { createWarehouseQuery, type WarehouseQuery } from "../../controlplane/warehouse/query.ts";
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

describe.skipIf(servicesAbsent)("gateway-run batch: control plane killed mid-run, resumed", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let bus: Bus;
  let warehouse: RunningWarehouse;
  let accounting: BudgetAccounting;
  let query: WarehouseQuery;
  let world: BatchWorld;
  let simulator: SimulatorControl;
  let budgetId: string;
  const root = mkdtempSync(join(tmpdir(), "gateway-batches-restart-"));
  const traceDirectory = join(root, "batch-traces");
  const settings = {
    ...defaultBatchSettings(),
    concurrency: 3,
    maxLinesPerSecond: 20,
    retryBackoffMs: 100,
  };
  /** Planes left open by the "killed" worker, closed when the file ends. */
  const abandoned: LineExecutor[] = [];

  const calls = async () => {
    const counts = (await simulator("GET", "calls")).counts?.openai ?? {};
    return Number(counts["gpt-4o"] ?? 0) + Number(counts["gpt-4o-mini"] ?? 0);
  };
  const fleetPlane = (batch: GatewayBatchRow) =>
    openBatchPlane(
      {
        db: database.handle.db,
        secretBox: testSecretBox,
        fleet: { bus, traceDirectory: join(traceDirectory, batch.id), log: () => {} },
      },
      batch,
    );
  /** The org budget's fleet total (each spend delta applied once). */
  const spent = async () => {
    await accounting.flush();
    const [row] = await database.handle.db
      .select({ total: sum(budgetSpend.spend_usd) })
      .from(budgetSpend)
      .where(eq(budgetSpend.budget_id, budgetId));
    return Number(row?.total ?? 0);
  };
  const newBatch = (lines: number) =>
    createNightlyBatch(world, summaryLines(lines, { prefix: "doc", maxTokens: 16 }));
  const resultsOf = async (batch: GatewayBatchRow) => {
    const lines: Json[] = [];
    for await (const line of gatewayBatchResults(database.handle.db, harness.org.orgId, batch))
      lines.push(line);
    return lines;
  };
  const rowsOf = async (batch: GatewayBatchRow) => {
    const logs = await query.logs(
      harness.org.orgId,
      { start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 3_600_000) },
      { cursor: null, limit: 1000 },
    );
    return logs.filter((row) => row.batch_id === batch.id);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
    const { db } = database.handle;
    world = await seedBatchWorld(db, harness);
    simulator = simulatorControl(harness.simulator.url);
    budgetId = newId("budget");
    await db.insert(budgets).values({
      id: budgetId,
      org_id: harness.org.orgId,
      name: "org monthly",
      scope_type: "org",
      period: "monthly",
      cap_usd: 1_000_000,
    });
    bus = createInProcessBus();
    warehouse = await startWarehouse({
      bus,
      root: join(root, "traces"),
      db,
      log: () => {},
      flushIntervalMs: 50,
    });
    accounting = await startBudgetAccounting({ db, bus });
    query = await createWarehouseQuery({ root: join(root, "traces"), threads: 1 });
  }, 120_000);

  afterAll(async () => {
    for (const plane of abandoned) await plane.close().catch(() => {});
    await accounting?.stop();
    await warehouse?.stop();
    await query?.close();
    await bus?.close();
    await harness?.stop();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  test("results, spend and warehouse rows are each counted once; answered lines keep their answers; only the unanswered line is sent again", async () => {
    const { db } = database.handle;
    await simulator("DELETE", "faults");
    // The config's first target fails twice: those lines are answered by the fallback.
    await simulator("POST", "faults", { model: "gpt-4o", status: 503, count: 2 });
    const callsBefore = await calls();
    const spentBefore = await spent();
    const created = await newBatch(8);

    // The first worker: lines 3 and 4 are answered (traced, spent) and the process "dies" before
    // recording them; line 5 dies before its call. With three in flight, the worker stops there.
    const never = new Promise<never>(() => {});
    const answeredBeforeCrash = new Map<number, unknown>();
    const killedAt = Date.now();
    const first = new BatchWorker({
      db,
      workerId: "killed",
      settings,
      clock: jumpingClock(killedAt),
      openExecutor: async (batch) => {
        const plane = await fleetPlane(batch);
        abandoned.push(plane);
        return {
          async send(endpoint, body, clientRequestId) {
            const line = Number(clientRequestId.split("-").at(-2));
            if (line === 5) return never;
            const answer = await plane.send(endpoint, body, clientRequestId);
            if (line === 3 || line === 4) {
              answeredBeforeCrash.set(line, answer.body);
              return never;
            }
            return answer;
          },
          close: () => never,
        };
      },
    });
    first.start();
    await waitUntil(() => answeredBeforeCrash.size === 2 || null, { timeoutMs: 20_000 });
    const atCrash = await waitUntil(
      async () => {
        const read = await readGatewayBatch(db, harness.org.orgId, created.id);
        return read?.progress.claimed === 3 ? read : null;
      },
      { timeoutMs: 20_000 },
    );
    expect(atCrash.progress.succeeded).toBe(3);
    // The dead node's rows reach the warehouse (shipped, ingested) while its lease runs out.
    await waitUntil(async () => (await rowsOf(created)).length === 5 || null, {
      timeoutMs: 20_000,
    });
    // Its plane is left open, as a control plane that lost its lease and still runs (sharing
    // this data dir) leaves it: the restarted worker's plane finds the batch's write-ahead
    // directory taken and writes to one of its own inside it, so neither ships (and deletes) the
    // other's open segment (dataplane/trace/wal-directory.ts; before, the last line's row was
    // lost about every other run).

    // The restarted control plane: past the lease and the lookup's grace.
    const second = new BatchWorker({
      db,
      workerId: "restarted",
      settings,
      clock: jumpingClock(killedAt + settings.leaseMs + settings.resumeGraceMs + 1_000),
      paidLookup: combinedPaidLookup(
        writeAheadPaidLookup((batch) => join(traceDirectory, batch.id)),
        warehousePaidLookup(query),
      ),
      openExecutor: fleetPlane,
    });
    for (let round = 0; round < 5 && (await second.runOnce()); round++) {}

    const done = await readGatewayBatch(db, harness.org.orgId, created.id);
    if (!done) throw new Error("the batch is gone");
    expect(done.batch.end_reason).toBe("completed");
    expect(done.progress).toMatchObject({ succeeded: 8, errored: 0, claimed: 0, pending: 0 });
    const lines = await resultsOf(done.batch);
    // Results: one per line, each with its answer.
    expect(lines.map((line) => line.custom_id).sort()).toEqual(
      Array.from({ length: 8 }, (_, index) => `doc-${index}`),
    );
    for (const line of lines) {
      expect(line.error).toBeNull();
      expect(line.response.status_code).toBe(200);
      expect(line.response.body.object).toBe("chat.completion");
    }

    // Upstream: 8 lines and the 2 failed first attempts; no line called twice.
    expect((await calls()) - callsBefore).toBe(10);

    // Warehouse rows: one per line, the re-sent line's under its second attempt's id.
    await warehouse.flush();
    const rows = await waitUntil(
      async () => {
        const found = await rowsOf(created);
        return found.length >= 8 ? found : null;
      },
      { timeoutMs: 20_000 },
    );
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((row) => row.request_id)).size).toBe(8);
    // Each row's X-Request-Id: every line's first attempt, the re-sent line's second; nothing else.
    const everyAttempt = Array.from({ length: 8 }, (_, line) =>
      [1, 2, 3].map((attempt) => `${created.id}-${line}-${attempt}`),
    ).flat();
    const byAttempt = await query.batchLineRequests(
      harness.org.orgId,
      { id: created.id, projectId: harness.org.projectId, since: new Date(killedAt - 60_000) },
      everyAttempt,
    );
    expect(byAttempt.map((row) => row.client_request_id).sort()).toEqual(
      [0, 1, 2, 3, 4, 6, 7]
        .map((line) => `${created.id}-${line}-1`)
        .concat(`${created.id}-5-2`)
        .sort(),
    );
    expect(byAttempt.map((row) => row.request_id).sort()).toEqual(
      rows.map((row) => row.request_id).sort(),
    );
    // A line answered before the kill: the very answer its call got, under the request its row
    // names (the first worker's call), not a second call's.
    for (const index of [3, 4]) {
      const line = lines.find((entry) => entry.custom_id === `doc-${index}`) as Json;
      expect(line.response.body).toEqual(answeredBeforeCrash.get(index));
      const row = byAttempt.find((entry) => entry.client_request_id === `${created.id}-${index}-1`);
      expect(line.response.request_id).toBe(row?.request_id);
    }
    const rowsCost = rows.reduce((total, row) => total + Number(row.cost_usd), 0);
    expect(rowsCost).toBeGreaterThan(0);
    expect(done.progress.spentUsd).toBeCloseTo(rowsCost, 9);

    // Spend: the budget's fleet total (deltas applied once each) is the lines' cost, once.
    await waitUntil(async () => Math.abs((await spent()) - spentBefore - rowsCost) < 1e-8 || null, {
      timeoutMs: 10_000,
    }).catch(() => {});
    expect((await spent()) - spentBefore).toBeCloseTo(rowsCost, 8);
  }, 90_000);

  test("rows the dead node wrote ahead and never shipped: the restarted node finds them, with their answers, in its write-ahead log", async () => {
    const { db } = database.handle;
    await simulator("DELETE", "faults");
    const callsBefore = await calls();
    const spentBefore = await spent();
    const created = await newBatch(4);
    // The dead node's trace stream refused its rows (NATS JetStream away): they stayed on its
    // disk. Its spend deltas went out.
    const refusingTraces = new Proxy(bus, {
      get(target, property) {
        if (property === "publishTraceLines")
          return async () => {
            throw new Error("the trace stream is not reachable");
          };
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Bus;
    const never = new Promise<never>(() => {});
    const answeredBeforeCrash = new Map<number, unknown>();
    let killedPlane: LineExecutor | null = null;
    const killedAt = Date.now();
    const first = new BatchWorker({
      db,
      workerId: "killed-offline",
      settings,
      clock: jumpingClock(killedAt),
      openExecutor: async (batch) => {
        const plane = await openBatchPlane(
          {
            db,
            secretBox: testSecretBox,
            fleet: {
              bus: refusingTraces,
              traceDirectory: join(traceDirectory, batch.id),
              log: () => {},
            },
          },
          batch,
        );
        killedPlane = plane;
        return {
          async send(endpoint, body, clientRequestId) {
            const line = Number(clientRequestId.split("-").at(-2));
            if (line === 2) return never;
            const answer = await plane.send(endpoint, body, clientRequestId);
            answeredBeforeCrash.set(line, answer.body);
            return never;
          },
          close: () => never,
        };
      },
    });
    first.start();
    await waitUntil(() => answeredBeforeCrash.size === 2 || null, { timeoutMs: 20_000 });
    await waitUntil(
      async () =>
        (await readGatewayBatch(db, harness.org.orgId, created.id))?.progress.claimed === 3 || null,
      { timeoutMs: 20_000 },
    );
    // The process is gone: its plane stops (its spend goes out, its rows stay on disk).
    await (killedPlane as LineExecutor | null)?.close();

    // The write-ahead log holds the two answered rows, each with the answer its call got.
    const written = await writeAheadPaidLookup((batch) => join(traceDirectory, batch.id))(
      created,
      [0, 1, 2].map((line) => `${created.id}-${line}-1`),
    );
    expect([...written.keys()].sort()).toEqual([`${created.id}-0-1`, `${created.id}-1-1`]);
    for (const line of [0, 1]) {
      const attempt = written.get(`${created.id}-${line}-1`);
      expect(attempt?.statusCode).toBe(200);
      expect(attempt?.costUsd).toBeGreaterThan(0);
      expect(JSON.parse(attempt?.answer as string)).toEqual(answeredBeforeCrash.get(line));
    }
    expect(await rowsOf(created)).toHaveLength(0);

    // The same node restarted, past the lease and the grace: the lookup reads its own log first.
    const second = new BatchWorker({
      db,
      workerId: "restarted-offline",
      settings,
      clock: jumpingClock(killedAt + settings.leaseMs + settings.resumeGraceMs + 1_000),
      paidLookup: combinedPaidLookup(
        writeAheadPaidLookup((batch) => join(traceDirectory, batch.id)),
        warehousePaidLookup(query),
      ),
      openExecutor: fleetPlane,
    });
    for (let round = 0; round < 5 && (await second.runOnce()); round++) {}
    const done = await readGatewayBatch(db, harness.org.orgId, created.id);
    expect(done?.batch.end_reason).toBe("completed");
    expect(done?.progress).toMatchObject({ succeeded: 4, errored: 0, claimed: 0 });
    const lines = await resultsOf(created);
    for (const line of [0, 1]) {
      const result = lines.find((entry) => entry.custom_id === `doc-${line}`) as Json;
      expect(result.response.body).toEqual(answeredBeforeCrash.get(line));
      expect(result.response.request_id).toBe(written.get(`${created.id}-${line}-1`)?.requestId);
    }
    // Upstream: the 4 lines once each (line 2 was never called before the kill).
    expect((await calls()) - callsBefore).toBe(4);
    // The dead node's rows went out when its batch's plane opened again: each row once.
    await warehouse.flush();
    const rows = await waitUntil(
      async () => {
        const found = await rowsOf(created);
        return found.length >= 4 ? found : null;
      },
      { timeoutMs: 20_000 },
    );
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((row) => row.request_id)).size).toBe(4);
    const rowsCost = rows.reduce((total, row) => total + Number(row.cost_usd), 0);
    expect(done?.progress.spentUsd).toBeCloseTo(rowsCost, 9);
    await waitUntil(async () => Math.abs((await spent()) - spentBefore - rowsCost) < 1e-8 || null, {
      timeoutMs: 10_000,
    }).catch(() => {});
    expect((await spent()) - spentBefore).toBeCloseTo(rowsCost, 8);
  }, 90_000);
});
