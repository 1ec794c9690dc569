// A budget's period reset by hand on real Postgres (docs/budgets.md "Reset by hand"): the spend
// the fleet sent is set back to zero, the broadcast totals drop it, the threshold fires again
// once spend reaches it after the reset, the forecast counts from the reset; a `reset` event,
// the audit row and the budget.reset webhook record it; admins only.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import { applySpendDelta } from "../../controlplane/budgets/apply-spend-delta.ts";
import { readBudgetTotals } from "../../controlplane/budgets/budget-broadcaster.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

describe.skipIf(servicesAbsent)("budget reset by hand (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let receiver: ReturnType<typeof Bun.serve>;
  const received: Json[] = [];
  let budgetId: string;
  let seq = 0;

  /** What a data plane's spend message does, applied as the aggregator applies it. */
  const spend = async (usd: number) => {
    seq += 1;
    const periodStart = periodKey(periodWindow("monthly", Date.now()).startMs);
    const outcome = await applySpendDelta(
      database.handle.db,
      {
        node_id: "dp-reset",
        seq,
        deltas: [{ budget_id: budgetId, period_start: periodStart, usd }],
      },
      { nowMs: Date.now() },
    );
    expect(outcome.status).toBe("applied");
  };
  const events = async () =>
    (await harness.rest("GET", `/budgets/${budgetId}/events`)).body.data as Json[];

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
    receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        received.push(await request.json());
        return new Response("ok");
      },
    });
    await harness.rest("POST", "/webhooks", {
      body: { url: `http://127.0.0.1:${receiver.port}/hook`, event_types: ["*"] },
    });
    const created = await harness.rest("POST", "/budgets", {
      body: {
        name: "org monthly",
        scope: { type: "org" },
        period: "monthly",
        cap_usd: 10,
        soft_thresholds: [0.5],
      },
    });
    expect(created.status).toBe(201);
    budgetId = created.body.data.id;
  });
  afterAll(async () => {
    receiver?.stop(true);
    await harness?.stop();
    await database?.drop();
  });

  test("only an admin may reset", async () => {
    const refused = await harness.rest("POST", `/budgets/${budgetId}/reset`, {
      key: harness.org.keys.developer,
    });
    expect(refused.status).toBe(403);
    const foreign = await harness.rest("POST", `/budgets/${budgetId}/reset`, {
      key: harness.other.keys.owner,
    });
    expect(foreign.status).toBe(404);
  });

  test("spend back to zero, the threshold again after it, recorded and announced", async () => {
    await spend(6);
    expect((await events()).map((event) => event.type)).toEqual(["threshold_reached"]);
    const before = await harness.rest("GET", `/budgets/${budgetId}`);
    expect(before.body.data.current_period).toMatchObject({ spend_usd: 6, reset_at: null });

    const reset = await harness.rest("POST", `/budgets/${budgetId}/reset`, {
      key: harness.org.keys.admin,
    });
    expect(reset.status).toBe(200);
    const period = reset.body.data.current_period;
    expect(period).toMatchObject({ spend_usd: 0, used_pct: 0 });
    expect(period.reset_at).not.toBeNull();
    expect(period.start).toBe(before.body.data.current_period.start);
    expect(period.resets_at).toBe(before.body.data.current_period.resets_at);
    // Nothing spent since the reset: nothing projected.
    expect(reset.body.data.forecast).toMatchObject({
      projected_spend_usd: 0,
      cap_reached_at: null,
    });

    // The broadcast the data planes hear no longer holds the budget's spend.
    const totals = await readBudgetTotals(database.handle.db, Date.now());
    expect(totals.totals.filter((total) => total.budget_id === budgetId)).toEqual([]);

    const [resetEvent] = await events();
    expect(resetEvent).toMatchObject({ type: "reset", threshold: 0, spend_usd: 6 });
    expect(resetEvent?.period_start).toBe(period.reset_at);

    // Spend after the reset reaches the threshold again: it fires again, counted from the reset.
    await spend(5.5);
    const after = await events();
    expect(after.map((event) => event.type)).toEqual([
      "threshold_reached",
      "reset",
      "threshold_reached",
    ]);
    expect(after[0]?.period_start).toBe(period.reset_at);
    const now = await harness.rest("GET", `/budgets/${budgetId}`);
    expect(now.body.data.current_period).toMatchObject({ spend_usd: 5.5, used_pct: 0.55 });
    expect(now.body.data.forecast.rate_usd_per_day).toBeGreaterThan(0);

    const audit = await harness.rest("GET", "/audit-log?action=budget.reset", {
      key: harness.org.keys.admin,
    });
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0].before.current_period.spend_usd).toBe(6);
    expect(audit.body.data[0].after.current_period.spend_usd).toBe(0);

    const announced = await waitUntil(
      () => received.find((event) => event.type === "budget.reset"),
      { timeoutMs: 10_000, message: "budget.reset was not delivered" },
    );
    expect(announced.data).toMatchObject({
      budget: { id: budgetId, name: "org monthly", cap_usd: 10 },
      spend_usd: 6,
      current_period: { reset_at: period.reset_at },
    });
    await waitUntil(
      () => received.filter((event) => event.type === "budget.threshold_reached").length === 2,
      { timeoutMs: 10_000, message: "the second threshold event was not delivered" },
    );
  });
});
