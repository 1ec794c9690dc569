// The data plane's budget view and its spend messages, and the period windows both sides share:
// what a node counts before the fleet's totals include it, what it sends and when it sends again.
import { describe, expect, test } from "bun:test";
import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import type { Bus } from "#shared/bus/bus.ts";
import type { SpendDelta } from "#shared/bus/envelopes.ts";
import { applicableBudgets, type RuntimeBudget } from "../../dataplane/budgets/budget-index.ts";
import { BudgetLedger, spendKey } from "../../dataplane/budgets/budget-ledger.ts";
import { checkBudgets } from "../../dataplane/budgets/enforce.ts";
import type { RuntimeConfig } from "../../dataplane/snapshot/runtime-config.ts";

const KEY = spendKey("bud_1", "2026-11-01T00:00:00.000Z");

function fakeBus(options: { connected?: () => boolean; fail?: () => boolean } = {}) {
  const sent: SpendDelta[] = [];
  const bus = {
    isConnected: options.connected ?? (() => true),
    publishSpendDelta: async (delta: SpendDelta) => {
      if (options.fail?.()) throw new Error("nats: disconnected");
      sent.push(structuredClone(delta));
    },
  } as unknown as Bus;
  return { bus, sent };
}

describe("periods (UTC calendar)", () => {
  const at = Date.parse("2026-11-25T13:45:00Z"); // a Wednesday
  test("daily, weekly from Monday, monthly", () => {
    expect(periodWindow("daily", at)).toEqual({
      startMs: Date.parse("2026-11-25T00:00:00Z"),
      endMs: Date.parse("2026-11-26T00:00:00Z"),
    });
    expect(periodWindow("weekly", at)).toEqual({
      startMs: Date.parse("2026-11-23T00:00:00Z"),
      endMs: Date.parse("2026-11-30T00:00:00Z"),
    });
    expect(periodWindow("monthly", Date.parse("2026-12-31T23:59:59Z"))).toEqual({
      startMs: Date.parse("2026-12-01T00:00:00Z"),
      endMs: Date.parse("2027-01-01T00:00:00Z"),
    });
    // A Sunday belongs to the week that started the Monday before.
    expect(periodKey(periodWindow("weekly", Date.parse("2026-11-29T23:00:00Z")).startMs)).toBe(
      "2026-11-23T00:00:00.000Z",
    );
  });

  test("custom: fixed windows from the anchor, rolling over at the boundary", () => {
    const anchorMs = Date.parse("2026-11-01T06:00:00Z");
    const custom = { seconds: 3_600, anchorMs };
    expect(periodWindow("custom", Date.parse("2026-11-01T07:59:59.999Z"), custom).startMs).toBe(
      Date.parse("2026-11-01T07:00:00Z"),
    );
    expect(periodWindow("custom", Date.parse("2026-11-01T08:00:00Z"), custom).startMs).toBe(
      Date.parse("2026-11-01T08:00:00Z"),
    );
  });
});

describe("BudgetLedger", () => {
  test("the view counts totals, open reservations, and spend not yet in the totals", async () => {
    let now = 1_000_000;
    const ledger = new BudgetLedger({ nodeId: "n1", now: () => now });
    ledger.applyState({
      version: 1,
      totals: [{ budget_id: "bud_1", period_start: "2026-11-01T00:00:00.000Z", usd: 10 }],
      applied: {},
    });
    const reservation = ledger.reserve([KEY], 2);
    expect(ledger.view(KEY)).toBe(12);
    ledger.settle(reservation, 0.5);
    ledger.settle(reservation, 0.5); // settling twice changes nothing
    expect(ledger.view(KEY)).toBe(10.5);
    const { bus, sent } = fakeBus();
    await ledger.flush(bus);
    expect(sent).toEqual([
      {
        node_id: "n1",
        seq: 1_000_000,
        deltas: [{ budget_id: "bud_1", period_start: "2026-11-01T00:00:00.000Z", usd: 0.5 }],
      },
    ]);
    // Sent but not yet applied: still counted.
    expect(ledger.view(KEY)).toBe(10.5);
    now += 100;
    ledger.applyState({
      version: 2,
      totals: [{ budget_id: "bud_1", period_start: "2026-11-01T00:00:00.000Z", usd: 10.5 }],
      applied: { n1: 1_000_000 },
    });
    expect(ledger.view(KEY)).toBe(10.5);
    expect(ledger.pendingUsd()).toBe(0);
  });

  test("held spend makes no message until released (a batch line's row waits for its answer)", async () => {
    const ledger = new BudgetLedger({ nodeId: "n1", now: () => 9_000 });
    const { bus, sent } = fakeBus();
    ledger.settle(ledger.reserve([KEY], 1), 0.25);
    const release = ledger.holdSpend();
    const second = ledger.holdSpend();
    await ledger.flush(bus);
    expect(sent).toEqual([]);
    // Still in the node's own view while held.
    expect(ledger.view(KEY)).toBe(0.25);
    release();
    release(); // releasing twice counts once
    await ledger.flush(bus);
    expect(sent).toEqual([]);
    second();
    await ledger.flush(bus);
    expect(sent.map((delta) => delta.deltas)).toEqual([
      [{ budget_id: "bud_1", period_start: "2026-11-01T00:00:00.000Z", usd: 0.25 }],
    ]);
  });

  test("seqs increase across restarts (a new ledger starts from the clock)", async () => {
    const first = new BudgetLedger({ nodeId: "n1", now: () => 5_000 });
    const { bus, sent } = fakeBus();
    first.settle(first.reserve([KEY], 1), 1);
    await first.flush(bus);
    first.settle(first.reserve([KEY], 1), 1);
    await first.flush(bus);
    const restarted = new BudgetLedger({ nodeId: "n1", now: () => 7_000 });
    restarted.settle(restarted.reserve([KEY], 1), 1);
    await restarted.flush(bus);
    expect(sent.map((delta) => delta.seq)).toEqual([5_000, 5_001, 7_000]);
  });

  test("while the bus is down spend is kept, then sent in order with its seq", async () => {
    let now = 10_000;
    let down = true;
    const ledger = new BudgetLedger({ nodeId: "n1", now: () => now });
    const { bus, sent } = fakeBus({ fail: () => down });
    ledger.settle(ledger.reserve([KEY], 1), 0.25);
    await ledger.flush(bus);
    now += 200;
    ledger.settle(ledger.reserve([KEY], 1), 0.75);
    await ledger.flush(bus);
    expect(sent).toHaveLength(0);
    expect(ledger.pendingUsd()).toBe(1);
    down = false;
    now += 200;
    await ledger.flush(bus);
    expect(sent.map((delta) => [delta.seq, delta.deltas[0]?.usd])).toEqual([
      [10_000, 0.25],
      [10_200, 0.75],
    ]);
  });

  test("a message the control plane has not applied is sent again, with the same seq", async () => {
    let now = 50_000;
    const ledger = new BudgetLedger({ nodeId: "n1", now: () => now, resendAfterMs: 1_000 });
    const { bus, sent } = fakeBus();
    ledger.settle(ledger.reserve([KEY], 1), 0.1);
    await ledger.flush(bus);
    now += 500;
    await ledger.flush(bus);
    expect(sent).toHaveLength(1);
    now += 600;
    await ledger.flush(bus);
    expect(sent.map((delta) => delta.seq)).toEqual([50_000, 50_000]);
    ledger.applyState({ version: 3, totals: [], applied: { n1: 50_000 } });
    now += 2_000;
    await ledger.flush(bus);
    expect(sent).toHaveLength(2);
  });

  test("a newer message names the unapplied one before it; when that is due, both go again in order", async () => {
    let now = 80_000;
    const ledger = new BudgetLedger({ nodeId: "n1", now: () => now, resendAfterMs: 3_000 });
    const { bus, sent } = fakeBus();
    const shape = () => sent.map((delta) => [delta.seq, delta.prev_seq ?? null]);
    ledger.settle(ledger.reserve([KEY], 1), 0.5);
    await ledger.flush(bus); // lost on the way: the control plane was restarting
    now += 200;
    ledger.settle(ledger.reserve([KEY], 1), 0.25);
    await ledger.flush(bus);
    // The first is not due again yet; the second names it, so it cannot be applied past it.
    expect(shape()).toEqual([
      [80_000, null],
      [80_200, 80_000],
    ]);
    // The control plane applied neither (the second was refused behind the gap).
    ledger.applyState({ version: 1, totals: [], applied: {} });
    now = 83_000;
    await ledger.flush(bus);
    expect(shape().slice(2)).toEqual([
      [80_000, null],
      [80_200, 80_000],
    ]);
    // Once the first is reported applied, the second is the oldest and names nothing.
    ledger.applyState({ version: 2, totals: [], applied: { n1: 80_000 } });
    now = 86_000;
    await ledger.flush(bus);
    expect(shape().slice(4)).toEqual([[80_200, null]]);
    expect(ledger.pendingUsd()).toBe(0.25);
    // Stopping sends what is left once more, due or not.
    now += 10;
    await ledger.stop(bus);
    expect(shape().slice(5)).toEqual([[80_200, null]]);
  });

  test("the state's age is Infinity before the first broadcast; an older version is ignored", () => {
    let now = 0;
    const ledger = new BudgetLedger({ nodeId: "n1", now: () => now });
    expect(ledger.stateAgeMs()).toBe(Number.POSITIVE_INFINITY);
    ledger.applyState({
      version: 5,
      totals: [{ budget_id: "bud_1", period_start: "2026-11-01T00:00:00.000Z", usd: 3 }],
    });
    now = 250;
    expect(ledger.stateAgeMs()).toBe(250);
    ledger.applyState({ version: 4, totals: [] });
    expect(ledger.view(KEY)).toBe(3);
  });

  test("peers' deltas count at once, once, until a broadcast says they are in the totals", () => {
    const ledger = new BudgetLedger({ nodeId: "n1", now: () => 0 });
    const delta = (seq: number, usd: number) => ({
      node_id: "n2",
      seq,
      deltas: [{ budget_id: "bud_1", period_start: "2026-11-01T00:00:00.000Z", usd }],
    });
    ledger.applyPeerDelta(delta(100, 2));
    ledger.applyPeerDelta(delta(100, 2)); // a resend
    ledger.applyPeerDelta(delta(101, 3));
    ledger.applyPeerDelta({ ...delta(500, 9), node_id: "n1" }); // its own, heard back
    expect(ledger.view(KEY)).toBe(5);
    ledger.applyState({
      version: 1,
      totals: [{ budget_id: "bud_1", period_start: "2026-11-01T00:00:00.000Z", usd: 2 }],
      applied: { n2: 100 },
    });
    expect(ledger.view(KEY)).toBe(5);
    ledger.applyPeerDelta(delta(100, 2)); // late copy of an applied message
    expect(ledger.view(KEY)).toBe(5);
  });

  test("rollover: at the period boundary the spend starts again from zero", () => {
    const budget: RuntimeBudget = {
      id: "bud_1",
      orgId: "org",
      projectId: null,
      name: "daily",
      scopeType: "org",
      scopeValue: null,
      period: "daily",
      customSeconds: null,
      anchorMs: null,
      capUsd: 1,
      softThresholds: [0.8],
      action: "block",
      downgradeTo: null,
      failMode: "open",
      staleAfterMs: 30_000,
    };
    const lastMinute = Date.parse("2026-11-24T23:59:59.999Z");
    const ledger = new BudgetLedger({ nodeId: "n1", now: () => lastMinute });
    ledger.applyState({
      version: 1,
      totals: [{ budget_id: "bud_1", period_start: "2026-11-24T00:00:00.000Z", usd: 1.2 }],
    });
    expect(checkBudgets(ledger, [budget], lastMinute).verdict.kind).toBe("block");
    const nextDay = checkBudgets(ledger, [budget], lastMinute + 1);
    expect(nextDay.verdict.kind).toBe("allow");
    expect(nextDay.tightest?.spendUsd).toBe(0);
    expect(nextDay.tightest?.resetsAtMs).toBe(Date.parse("2026-11-26T00:00:00Z"));
    // A request that arrived before the boundary, checked after it, is still in its own day.
    const late = checkBudgets(ledger, [budget], lastMinute);
    expect(late.verdict.kind).toBe("block");
    expect(late.tightest?.resetsAtMs).toBe(Date.parse("2026-11-25T00:00:00Z"));
    expect(checkBudgets(ledger, [budget], lastMinute + 1).tightest?.spendUsd).toBe(0);
  });

  test("which budgets apply: the org's in snapshot order, those of other scopes left out", () => {
    const snapshotBudget = (id: string, scope_type: string, scope_value: string | null) => ({
      id,
      org_id: "org",
      project_id: null,
      name: id,
      scope_type,
      scope_value,
      period: "monthly",
      custom_period_seconds: null,
      period_anchor: null,
      cap_usd: 1,
      soft_thresholds: [],
      action: "block",
      downgrade_to: null,
      fail_mode: "open",
      stale_after_ms: 30_000,
    });
    const config = {
      budgets: [
        snapshotBudget("org", "org", null),
        snapshotBudget("someone", "customer", "someone-else"),
        snapshotBudget("project", "project", "prj"),
        snapshotBudget("feature", "feature", "team=search"),
        snapshotBudget("route", "route", "@bench"),
      ],
    } as unknown as RuntimeConfig;
    const scope = { orgId: "org", projectId: "prj", routeSlug: "bench", user: "me", tags: {} };
    expect(applicableBudgets(config, scope).map((budget) => budget.id)).toEqual([
      "org",
      "project",
      "route",
    ]);
    const all = applicableBudgets(config, {
      ...scope,
      user: "someone-else",
      tags: { team: "search" },
    });
    expect(all.map((budget) => budget.id)).toEqual([
      "org",
      "someone",
      "project",
      "feature",
      "route",
    ]);
    expect(applicableBudgets(config, { ...scope, orgId: "other" })).toEqual([]);
  });
});
