// The control plane's side of fleet budget accounting (DESIGN §7, docs/budgets.md): spend deltas
// applied once per (node, seq), across restarts and across two control planes; soft thresholds
// and the cap recorded and sent as webhooks once per period; late spend for a past period counted
// there without alerts; unknown budgets dropped without losing the rest of a message; a poison
// message given up; the broadcast's totals and applied seqs, and its spacing and heartbeat on a
// manual clock. The same suite runs on Postgres and on PGlite (the embedded default), then over a
// real NATS server, then end to end through the embedded default.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import postgres from "postgres";
import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import type { Bus } from "#shared/bus/bus.ts";
import type { BudgetState } from "#shared/bus/envelopes.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { newId } from "#shared/ids/ids.ts";
import type { BudgetAlertData } from "../../controlplane/budgets/budget-alerts.ts";
import { BudgetBroadcaster } from "../../controlplane/budgets/budget-broadcaster.ts";
import { type BudgetAccounting, startBudgetAccounting } from "../../controlplane/budgets/index.ts";
import { type DatabaseHandle, openPglite } from "../../controlplane/db/client.ts";
import {
  type BudgetRow,
  budgetEvents,
  budgetSpend,
  budgets,
  orgs,
  spendNodeCursors,
  webhookDeliveries,
  webhooks,
} from "../../controlplane/db/schema/index.ts";
import { scoped } from "../../controlplane/db/tenant.ts";
import type { BudgetView } from "../../controlplane/modules/budgets/model.ts";
import { listBudgets, viewBudgetWithSpend } from "../../controlplane/modules/budgets/service.ts";
import { startEmbedded } from "../../embedded/start.ts";
import { ManualClock } from "../support/manual-clock.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { freePort } from "../support/processes.ts";
import { adminDatabaseUrl, natsUrl, servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const INTERVAL_MS = 50;
const HEARTBEAT_MS = 200;

interface Fixture {
  database: DatabaseHandle;
  orgId: string;
  webhookId: string;
  create(overrides?: Partial<typeof budgets.$inferInsert>): Promise<BudgetRow>;
}

async function seed(database: DatabaseHandle): Promise<Fixture> {
  const { db } = database;
  const orgId = newId("org");
  const otherOrgId = newId("org");
  for (const id of [orgId, otherOrgId]) {
    await db.insert(orgs).values({ id, name: id, slug: id });
  }
  const webhook = (org_id: string, event_types: string[], enabled = true) => ({
    id: newId("webhook"),
    org_id,
    url: "http://127.0.0.1:9/hook",
    event_types,
    signing_secret_ciphertext: "unused",
    enabled,
  });
  const subscribed = webhook(orgId, ["budget.threshold_reached", "budget.exceeded"]);
  await db
    .insert(webhooks)
    .values([
      subscribed,
      webhook(orgId, ["routing_config.updated"]),
      webhook(orgId, ["*"], false),
      webhook(otherOrgId, ["*"]),
    ]);
  return {
    database,
    orgId,
    webhookId: subscribed.id,
    async create(overrides = {}) {
      const [row] = await db
        .insert(budgets)
        .values({
          id: newId("budget"),
          org_id: orgId,
          name: `budget-${Math.random().toString(36).slice(2, 8)}`,
          scope_type: "org",
          period: "monthly",
          cap_usd: 100,
          ...overrides,
        })
        .returning();
      return row as BudgetRow;
    },
  };
}

function accountingSuite(
  open: () => Promise<{ database: DatabaseHandle; close(): Promise<void> }>,
) {
  let fixture: Fixture;
  let close: () => Promise<void>;
  let bus: Bus;
  let accounting: BudgetAccounting;
  const logs: string[] = [];
  const states: Array<{ state: BudgetState }> = [];
  // The clock periods are judged by; tests move it across a month's end.
  let clockMs = Date.UTC(2026, 4, 14, 12);
  const month = (offset = 0) => {
    const start = periodWindow("monthly", clockMs).startMs;
    return periodKey(
      offset === 0 ? start : periodWindow("monthly", start + offset * 32 * 86_400_000).startMs,
    );
  };

  beforeAll(async () => {
    const opened = await open();
    close = opened.close;
    fixture = await seed(opened.database);
    bus = createInProcessBus();
    await bus.subscribeBudgetState((state) => states.push({ state }));
    accounting = await startBudgetAccounting({
      db: fixture.database.db,
      bus,
      log: (message) => logs.push(message),
      now: () => clockMs,
      broadcastIntervalMs: INTERVAL_MS,
      heartbeatMs: HEARTBEAT_MS,
    });
  });
  afterAll(async () => {
    await accounting?.stop();
    await bus?.close();
    await close?.();
  });

  const send = async (
    nodeId: string,
    seq: number,
    deltas: Array<[string, string, number]>,
    prevSeq?: number,
  ) =>
    bus.publishSpendDelta({
      node_id: nodeId,
      seq,
      ...(prevSeq === undefined ? {} : { prev_seq: prevSeq }),
      deltas: deltas.map(([budget_id, period_start, usd]) => ({ budget_id, period_start, usd })),
    });
  const spendOf = async (budgetId: string, periodStart = month()) => {
    const rows = await fixture.database.db
      .select()
      .from(budgetSpend)
      .where(eq(budgetSpend.budget_id, budgetId));
    return rows.find((row) => periodKey(row.period_start.getTime()) === periodStart)?.spend_usd;
  };
  const eventsOf = (budgetId: string) =>
    fixture.database.db
      .select()
      .from(budgetEvents)
      .where(eq(budgetEvents.budget_id, budgetId))
      // Ids carry the test's clock, which stands still: order by what happened instead.
      .orderBy(budgetEvents.period_start, budgetEvents.spend_usd, budgetEvents.threshold);
  const deliveriesOf = async (budgetId: string) => {
    const rows = await deliveriesFor(fixture.database, budgetId);
    const order = (row: (typeof rows)[number]) => {
      const data = row.payload.data as BudgetAlertData;
      return `${data.current_period.start} ${data.spend_usd.toFixed(4).padStart(12)} ${data.threshold ?? 1}`;
    };
    return rows.sort((a, b) => order(a).localeCompare(order(b)));
  };
  const lastState = () => states.at(-1)?.state;

  test("a message counts once: duplicates and redeliveries are dropped, a restarted node's larger seq counts", async () => {
    const budget = await fixture.create();
    await send("node-a", 1, [[budget.id, month(), 2]]);
    await send("node-a", 1, [[budget.id, month(), 2]]);
    await accounting.flush();
    await send("node-a", 1, [[budget.id, month(), 2]]);
    await send("node-a", 2, [[budget.id, month(), 3]]);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(5);
    // Restarted: the node's seqs continue from its clock, above anything it sent before.
    const restartedSeq = Date.now();
    await send("node-a", restartedSeq, [[budget.id, month(), 1.25]]);
    await send("node-a", 2, [[budget.id, month(), 3]]);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(6.25);
    const [cursor] = await fixture.database.db
      .select()
      .from(spendNodeCursors)
      .where(eq(spendNodeCursors.node_id, "node-a"));
    expect(cursor?.last_seq).toBe(restartedSeq);
    expect(lastState()?.applied?.["node-a"]).toBe(restartedSeq);
    expect(lastState()?.totals).toContainEqual({
      budget_id: budget.id,
      period_start: month(),
      usd: 6.25,
    });
  });

  test("two control planes receiving the same messages count each once", async () => {
    const budget = await fixture.create();
    const second = await startBudgetAccounting({
      db: fixture.database.db,
      bus,
      now: () => clockMs,
      broadcastIntervalMs: INTERVAL_MS,
      heartbeatMs: HEARTBEAT_MS,
    });
    try {
      for (let seq = 1; seq <= 20; seq++) await send("node-b", seq, [[budget.id, month(), 0.5]]);
      await Promise.all([accounting.flush(), second.flush()]);
      expect(await spendOf(budget.id)).toBe(10);
    } finally {
      await second.stop();
    }
  });

  test("a message whose predecessor was not applied is refused until the predecessor comes", async () => {
    const budget = await fixture.create();
    await send("node-gap", 10, [[budget.id, month(), 1]]);
    // 11 never arrives (the control plane was down); 12 names it and must not pass it.
    await send("node-gap", 12, [[budget.id, month(), 4]], 11);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(1);
    expect(lastState()?.applied?.["node-gap"]).toBe(10);
    // The node sends both again, in order: each counts once.
    await send("node-gap", 11, [[budget.id, month(), 2]], 10);
    await send("node-gap", 12, [[budget.id, month(), 4]], 11);
    await send("node-gap", 12, [[budget.id, month(), 4]], 11);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(7);
    expect(lastState()?.applied?.["node-gap"]).toBe(12);
    // A node the control plane never heard of whose message names a predecessor: a gap too.
    await send("node-gap-new", 5, [[budget.id, month(), 8]], 4);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(7);
  });

  test("soft thresholds and the cap fire once per period, each with a webhook delivery", async () => {
    const budget = await fixture.create({
      name: "team-ml",
      cap_usd: 10,
      soft_thresholds: [0.8, 0.5],
    });
    const amounts = [4, 1.5, 3, 0.1, 2, 5];
    for (const [index, usd] of amounts.entries()) {
      await send("node-c", index + 1, [[budget.id, month(), usd]]);
      await accounting.flush();
    }
    expect(await spendOf(budget.id)).toBe(15.6);
    const events = await eventsOf(budget.id);
    expect(events.map((event) => [event.type, event.threshold, event.spend_usd])).toEqual([
      ["threshold_reached", 0.5, 5.5],
      ["threshold_reached", 0.8, 8.5],
      ["exceeded", 1, 10.6],
    ]);
    const deliveries = await deliveriesOf(budget.id);
    expect(deliveries.map((row) => [row.webhook_id, row.event_type])).toEqual([
      [fixture.webhookId, "budget.threshold_reached"],
      [fixture.webhookId, "budget.threshold_reached"],
      [fixture.webhookId, "budget.exceeded"],
    ]);
    const periodEnd = periodKey(periodWindow("monthly", clockMs).endMs);
    expect(deliveries[0]?.payload).toMatchObject({
      type: "budget.threshold_reached",
      org_id: fixture.orgId,
      data: {
        budget: {
          id: budget.id,
          name: "team-ml",
          project_id: null,
          scope: { type: "org", value: null },
          period: "monthly",
          cap_usd: 10,
          action: "block",
        },
        threshold: 0.5,
        spend_usd: 5.5,
        used_pct: 0.55,
        current_period: { start: month(), resets_at: periodEnd },
        // 5.5 USD in 13.5 of May's 31 days (clock: May 14, 12:00 UTC), extended linearly.
        forecast: {
          method: "linear_period_to_date",
          projected_used_pct: 1.263,
          cap_reached_at: "2026-05-25T13:05:27.273Z",
        },
      },
    });
    const forecast = (deliveries[0]?.payload.data as BudgetAlertData | undefined)?.forecast;
    expect(forecast?.rate_usd_per_day).toBeCloseTo(5.5 / 13.5, 8);
    expect(forecast?.projected_spend_usd).toBeCloseTo((5.5 / 13.5) * 31, 8);
    // At the cap the date is behind us: no date, the projection still says where it ends.
    expect((deliveries[2]?.payload.data as BudgetAlertData | undefined)?.forecast).toMatchObject({
      cap_reached_at: null,
      projected_used_pct: 2.4341,
    });
    expect(deliveries[2]?.payload).toMatchObject({
      type: "budget.exceeded",
      data: { spend_usd: 10.6, used_pct: 1.06, current_period: { start: month() } },
    });
    expect(deliveries[2]?.payload.data).not.toHaveProperty("threshold");

    // The next month starts over; spend arriving late for the last one alerts nothing.
    const previous = month();
    clockMs = periodWindow("monthly", clockMs).endMs + 3_600_000;
    try {
      await send("node-c", 10, [[budget.id, month(), 6]]);
      await send("node-c", 11, [[budget.id, previous, 50]]);
      await accounting.flush();
      expect(await spendOf(budget.id, previous)).toBe(65.6);
      expect(await spendOf(budget.id)).toBe(6);
      const now = await eventsOf(budget.id);
      expect(now.map((event) => [periodKey(event.period_start.getTime()), event.type])).toEqual([
        [previous, "threshold_reached"],
        [previous, "threshold_reached"],
        [previous, "exceeded"],
        [month(), "threshold_reached"],
      ]);
      expect(await deliveriesOf(budget.id)).toHaveLength(4);
      expect(lastState()?.totals).toContainEqual({
        budget_id: budget.id,
        period_start: month(),
        usd: 6,
      });
    } finally {
      clockMs = Date.UTC(2026, 4, 14, 12);
    }
  });

  test("a late delta for a previous period is counted there and alerts nothing", async () => {
    const budget = await fixture.create({ cap_usd: 1 });
    await send("node-d", 1, [[budget.id, month(-1), 5]]);
    await send("node-d", 2, [[budget.id, month(), 0.1]]);
    await accounting.flush();
    expect(await spendOf(budget.id, month(-1))).toBe(5);
    expect(await eventsOf(budget.id)).toEqual([]);
    expect(lastState()?.totals).toContainEqual({
      budget_id: budget.id,
      period_start: month(),
      usd: 0.1,
    });
  });

  test("amounts for deleted or unknown budgets are dropped; the rest of the message counts", async () => {
    const kept = await fixture.create();
    const removed = await fixture.create();
    await fixture.database.db.delete(budgets).where(eq(budgets.id, removed.id));
    await send("node-e", 1, [
      [removed.id, month(), 1],
      [kept.id, month(), 1.5],
      ["bud_never_existed", month(), 2],
      [kept.id, month(), 0.5],
    ]);
    await accounting.flush();
    expect(await spendOf(kept.id)).toBe(2);
    expect(await spendOf(removed.id)).toBeUndefined();
    expect(lastState()?.applied?.["node-e"]).toBe(1);
    expect(logs.some((line) => line.includes("node-e#1: 2 amount(s) for unknown budgets"))).toBe(
      true,
    );
  });

  test("negative amounts lower spend, never below zero", async () => {
    const budget = await fixture.create();
    await send("node-f", 1, [[budget.id, month(), 1]]);
    await send("node-f", 2, [[budget.id, month(), -0.4]]);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(0.6);
    await send("node-f", 3, [
      [budget.id, month(), -5],
      [budget.id, month(-1), -1],
    ]);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(0);
    expect(await spendOf(budget.id, month(-1))).toBe(0);
  });

  test("a message that keeps failing is given up without holding up the others", async () => {
    const budget = await fixture.create();
    // Beyond numeric(20, 10): the database refuses it every time.
    await send("node-poison", 1, [[budget.id, month(), 1e15]]);
    await send("node-g", 1, [[budget.id, month(), 1]]);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(1);
    expect(
      logs.some((line) =>
        line.includes("node-poison#1 given up after 5 attempts, $1000000000000000 lost"),
      ),
    ).toBe(true);
    // The node's cursor moves past it: its next message, which names it as prev_seq, counts.
    await send("node-poison", 2, [[budget.id, month(), 2]], 1);
    await accounting.flush();
    expect(await spendOf(budget.id)).toBe(3);
    expect(lastState()?.applied?.["node-poison"]).toBe(2);
  }, 10_000);

  test("the broadcast: current periods of enabled budgets, and the applied seqs", async () => {
    const enabled = await fixture.create();
    const disabled = await fixture.create({ enabled: false });
    const daily = await fixture.create({ period: "daily" });
    const firstOfTest = states.length;
    const yesterday = periodKey(periodWindow("daily", clockMs).startMs - 86_400_000);
    await send("node-h", 1, [
      [enabled.id, month(), 1],
      [disabled.id, month(), 1],
      [daily.id, yesterday, 1],
    ]);
    await accounting.flush();
    const totals = lastState()?.totals ?? [];
    expect(totals).toContainEqual({ budget_id: enabled.id, period_start: month(), usd: 1 });
    expect(totals.some((total) => total.budget_id === disabled.id)).toBe(false);
    expect(totals.some((total) => total.budget_id === daily.id)).toBe(false);

    // A stream of messages: a later broadcast holds all of them and says so in `applied`.
    const from = states.length;
    for (let seq = 2; seq <= 30; seq++) await send("node-h", seq, [[enabled.id, month(), 1]]);
    const final = await waitUntil(() =>
      states
        .slice(from)
        .find((entry) =>
          entry.state.totals.some((total) => total.budget_id === enabled.id && total.usd === 30),
        ),
    );
    expect(final.state.applied?.["node-h"]).toBe(30);
    // One control plane's versions (the test of two is over) always increase.
    const versions = states.slice(firstOfTest).map((entry) => entry.state.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
  });

  test("the broadcast is spaced by the interval while busy and a heartbeat when idle (manual clock)", async () => {
    const clock = new ManualClock(Date.UTC(2026, 4, 14, 12));
    const startedAt = clock.now();
    const ownBus = createInProcessBus();
    const sent: Array<{ at: number; state: BudgetState }> = [];
    await ownBus.subscribeBudgetState((state) => sent.push({ at: clock.now() - startedAt, state }));
    const broadcaster = new BudgetBroadcaster({
      db: fixture.database.db,
      bus: ownBus,
      now: () => clockMs,
      log: () => {},
      intervalMs: INTERVAL_MS,
      heartbeatMs: HEARTBEAT_MS,
      scheduler: clock,
    });
    // A broadcast reads the database on the real event loop; it is over once the next is set.
    const settle = async () => {
      await waitUntil(() => clock.pending() > 0, { intervalMs: 1 });
    };
    try {
      broadcaster.start();
      await clock.advance(0, settle);
      expect(sent.map((entry) => entry.at)).toEqual([0]);

      // Busy: spend changes every 10 ms; a broadcast every INTERVAL_MS, never closer.
      for (let step = 0; step < 30; step++) {
        broadcaster.markChanged();
        await clock.advance(10, settle);
      }
      expect(sent.map((entry) => entry.at)).toEqual([0, 50, 100, 150, 200, 250, 300]);

      // Idle: a heartbeat every HEARTBEAT_MS after the last broadcast.
      await clock.advance(HEARTBEAT_MS * 5, settle);
      expect(sent.slice(7).map((entry) => entry.at)).toEqual([500, 700, 900, 1100, 1300]);

      // Spend right after a heartbeat waits for the interval, not the next heartbeat.
      await clock.advance(10, settle);
      broadcaster.markChanged();
      await clock.advance(INTERVAL_MS, settle);
      expect(sent.at(-1)?.at).toBe(1350);
      const versions = sent.map((entry) => entry.state.version);
      expect([...versions].sort((a, b) => a - b)).toEqual(versions);
      expect(new Set(versions).size).toBe(versions.length);
    } finally {
      await broadcaster.stop();
      await ownBus.close();
    }
  });

  test("the Management API's budget view shows the current period's spend", async () => {
    clockMs = Date.now();
    try {
      const budget = await fixture.create({ cap_usd: 8 });
      await send("node-i", 1, [[budget.id, month(), 2]]);
      await accounting.flush();
      const window = periodWindow("monthly", Date.now());
      expect((await viewBudgetWithSpend(fixture.database.db, budget)).current_period).toEqual({
        start: periodKey(window.startMs),
        resets_at: periodKey(window.endMs),
        reset_at: null,
        spend_usd: 2,
        used_pct: 0.25,
      });
      const listed = await listBudgets(scoped(fixture.database.db, fixture.orgId), { limit: 100 });
      const item = listed.data.find((view) => view.id === budget.id);
      expect(item?.current_period.spend_usd).toBe(2);
      // The forecast on the resource, at a chosen instant: a quarter of the period gone.
      const quarter = window.startMs + (window.endMs - window.startMs) / 4;
      expect((await viewBudgetWithSpend(fixture.database.db, budget, quarter)).forecast).toEqual({
        method: "linear_period_to_date",
        rate_usd_per_day: expect.any(Number),
        projected_spend_usd: 8,
        projected_used_pct: 1,
        cap_reached_at: null,
      });
      const fifth = window.startMs + (window.endMs - window.startMs) / 5;
      const reachedAt = (await viewBudgetWithSpend(fixture.database.db, budget, fifth)).forecast
        .cap_reached_at;
      const expectedMs = window.startMs + (window.endMs - window.startMs) * 0.8;
      expect(Math.abs(Date.parse(reachedAt ?? "") - expectedMs)).toBeLessThanOrEqual(1);
      expect(listed.data.every((view) => view.current_period.start !== undefined)).toBe(true);
    } finally {
      clockMs = Date.UTC(2026, 4, 14, 12);
    }
  });
}

describe.skipIf(servicesAbsent)("budget accounting (Postgres, in-process bus)", () => {
  accountingSuite(async () => {
    const database = await createTestDatabase();
    return { database: database.handle, close: () => database.drop() };
  });
});

describe("budget accounting (PGlite, in-process bus)", () => {
  accountingSuite(async () => {
    const database = await openPglite();
    await database.migrate();
    return { database, close: () => database.close() };
  });
});

describe.skipIf(servicesAbsent)("budget accounting while Postgres is unreachable", () => {
  test("deltas wait for the database instead of being given up; broadcasts stop meanwhile", async () => {
    const database = await createTestDatabase();
    const name = new URL(database.url).pathname.slice(1);
    const admin = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
    const bus = createInProcessBus();
    const logs: string[] = [];
    const states: BudgetState[] = [];
    await bus.subscribeBudgetState((state) => states.push(state));
    const accounting = await startBudgetAccounting({
      db: database.handle.db,
      bus,
      log: (message) => logs.push(message),
      broadcastIntervalMs: INTERVAL_MS,
      heartbeatMs: HEARTBEAT_MS,
    });
    try {
      const fixture = await seed(database.handle);
      const budget = await fixture.create();
      const period = periodKey(periodWindow("monthly", Date.now()).startMs);
      await accounting.flush();
      await admin.unsafe(`alter database "${name}" allow_connections false`);
      await admin.unsafe(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`,
      );
      await Bun.sleep(HEARTBEAT_MS);
      const before = states.length;
      await bus.publishSpendDelta({
        node_id: "node-outage",
        seq: 1,
        deltas: [{ budget_id: budget.id, period_start: period, usd: 1.5 }],
      });
      // Long enough for five attempts at 100, 200, 400, 800 ms.
      await Bun.sleep(2000);
      expect(states.length).toBe(before);
      expect(logs.some((line) => line.includes("database unreachable"))).toBe(true);
      await admin.unsafe(`alter database "${name}" allow_connections true`);
      const state = await waitUntil(
        () => states.find((candidate) => candidate.applied?.["node-outage"] === 1),
        { timeoutMs: 10_000 },
      );
      expect(state.totals).toContainEqual({ budget_id: budget.id, period_start: period, usd: 1.5 });
      expect(logs.some((line) => line.includes("given up"))).toBe(false);
    } finally {
      await admin.unsafe(`alter database "${name}" allow_connections true`);
      await admin.end();
      await accounting.stop();
      await bus.close();
      await database.drop();
    }
  }, 20_000);
});

describe.skipIf(servicesAbsent)("budget accounting over NATS", () => {
  test("deltas from a data plane's connection are counted once and the totals come back", async () => {
    const database = await createTestDatabase();
    const controlBus = await connectNatsBus({ servers: natsUrl, name: "accounting-control" });
    const nodeBus = await connectNatsBus({ servers: natsUrl, name: "accounting-node" });
    const accounting = await startBudgetAccounting({
      db: database.handle.db,
      bus: controlBus,
      broadcastIntervalMs: INTERVAL_MS,
      heartbeatMs: HEARTBEAT_MS,
    });
    try {
      const fixture = await seed(database.handle);
      const budget = await fixture.create({ cap_usd: 4 });
      const states: BudgetState[] = [];
      await nodeBus.subscribeBudgetState((state) => states.push(state));
      const period = periodKey(periodWindow("monthly", Date.now()).startMs);
      const nodeId = `nats-${Date.now().toString(36)}`;
      const delta = {
        node_id: nodeId,
        seq: Date.now(),
        deltas: [{ budget_id: budget.id, period_start: period, usd: 3.5 }],
      };
      await nodeBus.publishSpendDelta(delta);
      await nodeBus.publishSpendDelta(delta);
      const state = await waitUntil(() =>
        states.find((candidate) => candidate.applied?.[nodeId] === delta.seq),
      );
      expect(state.totals).toContainEqual({ budget_id: budget.id, period_start: period, usd: 3.5 });
      await accounting.flush();
      const [row] = await database.handle.db
        .select()
        .from(budgetSpend)
        .where(eq(budgetSpend.budget_id, budget.id));
      expect(row?.spend_usd).toBe(3.5);
      expect(
        (await waitUntil(async () => (await deliveriesFor(database.handle, budget.id)).length)) > 0,
      ).toBe(true);
    } finally {
      await accounting.stop();
      await nodeBus.close();
      await controlBus.close();
      await database.drop();
    }
  });
});

async function deliveriesFor(database: DatabaseHandle, budgetId: string) {
  const rows = await database.db.select().from(webhookDeliveries);
  return rows
    .map((row) => row as typeof row & { payload: { data: Partial<BudgetAlertData> } })
    .filter((row) => row.payload.data.budget?.id === budgetId);
}

describe("budget accounting in the embedded default", () => {
  const directory = mkdtempSync(join(tmpdir(), "modelux-accounting-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  test("a request's spend reaches the budget's current period in the Management API", async () => {
    const running = await startEmbedded(
      readSettings(embeddedSchema, {
        MODELUX_DATA_DIR: directory,
        MODELUX_HOST: "127.0.0.1",
        DATAPLANE_PORT: String(freePort()),
        CONTROLPLANE_PORT: String(freePort()),
        SIMULATOR_PORT: String(freePort()),
      }),
      { quiet: true },
    );
    try {
      const manage = (method: string, path: string, body?: unknown) =>
        fetch(`${running.controlPlaneUrl}/manage/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${running.seed.managementKey}`,
            "content-type": "application/json",
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as { data: BudgetView },
        }));
      const created = await manage("POST", "/budgets", {
        name: "embedded-org",
        scope: { type: "org" },
        period: "monthly",
        cap_usd: 1000,
      });
      expect(created.status).toBe(201);
      expect(created.body.data.current_period.spend_usd).toBe(0);
      const client = new OpenAI({
        baseURL: `${running.dataPlaneUrl}/openai/v1`,
        apiKey: running.seed.proxyKey,
      });
      // The budget reaches the data plane with the next snapshot; then a request is charged.
      const spent = await waitUntil(
        async () => {
          await client.chat.completions.create({
            model: "@default",
            messages: [{ role: "user", content: "Hello!" }],
          });
          const view = await manage("GET", `/budgets/${created.body.data.id}`);
          const spend = view.body.data.current_period.spend_usd;
          return spend > 0 ? view.body.data.current_period : null;
        },
        { timeoutMs: 10_000, intervalMs: 300 },
      );
      expect(spent.used_pct).toBeGreaterThanOrEqual(0);
      expect(spent.start).toBe(periodKey(periodWindow("monthly", Date.now()).startMs));
    } finally {
      await running.stop();
    }
  }, 30_000);
});
