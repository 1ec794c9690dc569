// The control plane's side of fleet budget accounting (DESIGN §7, docs/budgets.md): spend
// deltas from the data planes are applied once each into Postgres, alerts fire as thresholds are
// crossed, and the totals go back to the fleet as a broadcast with a heartbeat.
import type { Bus } from "#shared/bus/bus.ts";
import type { Logger } from "#shared/log.ts";
import type { Database } from "../db/client.ts";
import { BudgetBroadcaster } from "./budget-broadcaster.ts";
import { SpendAggregator } from "./spend-aggregator.ts";

export interface BudgetAccountingOptions {
  db: Database;
  bus: Bus;
  log?: Logger;
  /** The clock periods are judged by (tests move it); timers use the real one. */
  now?: () => number;
  /** Shortest gap between broadcasts while spend changes (DESIGN §7: 250 ms). */
  broadcastIntervalMs?: number;
  /** Longest gap between broadcasts when nothing changes. */
  heartbeatMs?: number;
}

export interface BudgetAccounting {
  /** Applies what is queued (for up to 2 s), then stops receiving and broadcasting. */
  stop(): Promise<void>;
  /** Applies everything queued, then broadcasts at once (for tests). */
  flush(): Promise<void>;
}

export const DEFAULT_BROADCAST_INTERVAL_MS = 250;
export const DEFAULT_HEARTBEAT_MS = 1000;
const STOP_DRAIN_MS = 2000;

export async function startBudgetAccounting(
  options: BudgetAccountingOptions,
): Promise<BudgetAccounting> {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const broadcaster = new BudgetBroadcaster({
    db: options.db,
    bus: options.bus,
    now,
    log,
    intervalMs: options.broadcastIntervalMs ?? DEFAULT_BROADCAST_INTERVAL_MS,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
  });
  const aggregator = new SpendAggregator({
    db: options.db,
    now,
    log,
    onApplied: () => broadcaster.markChanged(),
  });
  aggregator.start();
  const subscription = await options.bus.subscribeSpendDeltas((delta) => aggregator.enqueue(delta));
  broadcaster.start();
  return {
    async flush() {
      await aggregator.drain();
      await broadcaster.broadcastNow();
    },
    async stop() {
      await subscription.unsubscribe();
      // What is queued gets a moment to land; anything left is sent again by its data plane.
      await Promise.race([aggregator.drain(), Bun.sleep(STOP_DRAIN_MS)]);
      await aggregator.stop();
      await broadcaster.stop();
    },
  };
}
