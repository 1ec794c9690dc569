// Spend counted exactly once across restarts (issue 14, point 4): the data plane's ledger and the
// control plane's cursor, driven step by step on one injected clock against the real aggregator
// and Postgres. The bus is scripted: a message published while no control plane listens is gone
// (core NATS keeps nothing), a killed control plane loses what it had queued, and a NATS outage
// makes publishing fail. Whatever happens, once everything is back the budget's spend is the sum
// of what the node spent, and the node holds nothing pending.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { periodKey, periodWindow } from "#shared/budgets/period.ts";
import type { Bus } from "#shared/bus/bus.ts";
import type { SpendDelta } from "#shared/bus/envelopes.ts";
import { newId } from "#shared/ids/ids.ts";
import { readBudgetTotals } from "../../controlplane/budgets/budget-broadcaster.ts";
import { SpendAggregator } from "../../controlplane/budgets/spend-aggregator.ts";
import { budgetSpend, budgets, orgs } from "../../controlplane/db/schema/index.ts";
import { BudgetLedger, spendKey } from "../../dataplane/budgets/budget-ledger.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const START_MS = Date.UTC(2026, 4, 14, 12);
const PERIOD = periodKey(periodWindow("monthly", START_MS).startMs);

/** A small seeded generator, so a failing sequence can be replayed from its seed. */
function prng(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

describe.skipIf(servicesAbsent)("spend deltas: the ledger and the control plane's cursor", () => {
  let database: TestDatabase;
  let orgId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    orgId = newId("org");
    await database.handle.db.insert(orgs).values({ id: orgId, name: orgId, slug: orgId });
  });
  afterAll(() => database?.drop());

  /** One node, one budget and up to two control planes, all on the test's clock. */
  async function world(nodeId: string) {
    const budgetId = newId("budget");
    await database.handle.db.insert(budgets).values({
      id: budgetId,
      org_id: orgId,
      name: budgetId,
      scope_type: "org",
      period: "monthly",
      cap_usd: 1_000_000,
    });
    let now = START_MS;
    let natsUp = true;
    const controlPlanes: Array<SpendAggregator | null> = [null, null];
    const logs: string[] = [];
    const start = (index: number) => {
      if (controlPlanes[index] !== null) return;
      const aggregator = new SpendAggregator({
        db: database.handle.db,
        now: () => now,
        log: (message) => logs.push(message),
        onApplied: () => {},
      });
      aggregator.start();
      controlPlanes[index] = aggregator;
    };
    const bus = {
      isConnected: () => natsUp,
      publishSpendDelta: async (delta: SpendDelta) => {
        if (!natsUp) throw new Error("nats: disconnected");
        // Each control plane subscribed now gets its own copy; nobody keeps one for later.
        for (const aggregator of controlPlanes) aggregator?.enqueue(structuredClone(delta));
      },
    } as unknown as Bus;
    const ledger = new BudgetLedger({ nodeId, now: () => now });
    const key = spendKey(budgetId, PERIOD);
    let spent = 0;
    let version = 0;
    return {
      ledger,
      logs,
      get spent() {
        return spent;
      },
      advance(ms: number) {
        now += ms;
      },
      setNats(up: boolean) {
        natsUp = up;
      },
      /** A request's real cost, settled on the node. */
      spend(usd: number) {
        ledger.settle(ledger.reserve([key], usd), usd);
        spent += usd;
      },
      flush: () => ledger.flush(bus),
      start,
      /** SIGKILL: whatever it had queued and not applied is gone. */
      async kill(index: number) {
        const aggregator = controlPlanes[index];
        controlPlanes[index] = null;
        await aggregator?.stop();
      },
      /** Every live control plane applies what it has queued. */
      async apply() {
        for (const aggregator of controlPlanes) await aggregator?.drain();
      },
      /** A control plane's broadcast reaching the node (it needs NATS and a control plane). */
      async broadcast() {
        if (!natsUp || controlPlanes.every((aggregator) => aggregator === null)) return;
        const state = await readBudgetTotals(database.handle.db, now);
        ledger.applyState({ version: ++version, ...state });
      },
      async recorded() {
        const rows = await database.handle.db
          .select({ usd: budgetSpend.spend_usd })
          .from(budgetSpend)
          .where(eq(budgetSpend.budget_id, budgetId));
        return rows.reduce((sum, row) => sum + row.usd, 0);
      },
      async stop() {
        for (const index of [0, 1]) await this.kill(index);
      },
    };
  }
  type World = Awaited<ReturnType<typeof world>>;

  /** Everything up: flush, apply and broadcast every 200 ms until the node holds nothing pending. */
  async function settle(w: World) {
    w.setNats(true);
    for (let step = 0; step < 100 && w.ledger.pendingUsd() !== 0; step++) {
      w.advance(200);
      await w.flush();
      await w.apply();
      await w.broadcast();
    }
  }

  test("a message lost while the control plane restarts is not passed by a newer one", async () => {
    const w = await world("node-restart");
    w.start(0);
    w.spend(1);
    await w.flush();
    await w.apply();
    await w.broadcast();
    expect(w.ledger.pendingUsd()).toBe(0);

    // The control plane is down: the next message reaches nobody.
    await w.kill(0);
    w.advance(200);
    w.spend(2);
    await w.flush();
    // Back 200 ms later; the lost message is not due for a resend yet, a new one is sent.
    w.advance(200);
    w.start(0);
    w.spend(4);
    await w.flush();
    await w.apply();
    await w.broadcast();
    // The lost message is still the node's to count and to send again.
    expect(w.ledger.pendingUsd()).toBe(6);

    await settle(w);
    expect(w.ledger.pendingUsd()).toBe(0);
    expect(await w.recorded()).toBe(7);
    await w.stop();
  });

  test("a message queued by a control plane that is killed is counted once it is sent again", async () => {
    const w = await world("node-queued");
    w.start(0);
    w.spend(0.5);
    await w.flush(); // queued, never applied: the process dies now
    await w.kill(0);
    w.start(0);
    w.advance(200);
    w.spend(0.25);
    await w.flush();
    await w.apply();
    await w.broadcast();
    await settle(w);
    expect(await w.recorded()).toBe(0.75);
    await w.stop();
  });

  // Random sequences of control-plane kills (one or two control planes), NATS outages, spend and
  // broadcasts; after each, with everything back, the recorded spend is exactly what was spent.
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`any sequence of restarts and outages (seed ${seed}) counts every cent once`, async () => {
      const random = prng(seed);
      const w = await world(`node-seed-${seed}`);
      w.start(0);
      const twoControlPlanes = seed % 2 === 0;
      if (twoControlPlanes) w.start(1);
      for (let step = 0; step < 150; step++) {
        w.advance(Math.floor(random() * 400));
        const roll = random();
        if (roll < 0.05) await w.kill(random() < 0.5 || !twoControlPlanes ? 0 : 1);
        else if (roll < 0.1) w.start(random() < 0.5 || !twoControlPlanes ? 0 : 1);
        else if (roll < 0.13) w.setNats(false);
        else if (roll < 0.18) w.setNats(true);
        if (random() < 0.7) w.spend(Math.round(random() * 1000) / 100);
        if (random() < 0.8) await w.flush();
        if (random() < 0.6) await w.apply();
        if (random() < 0.5) await w.broadcast();
      }
      w.start(0);
      await settle(w);
      expect(w.ledger.pendingUsd()).toBe(0);
      expect(await w.recorded()).toBeCloseTo(w.spent, 9);
      await w.stop();
    }, 60_000);
  }
});
