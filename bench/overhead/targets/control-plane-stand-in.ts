// What the control plane does for a data plane under load, reduced to acknowledgements: spend
// deltas are summed and broadcast back as budget state (so the ledger's outbox drains and the
// budget never goes stale), and trace batches are acked (so the bus does not hold them). In a
// fleet this work runs in other processes; here it is in the data plane's process, so its cost
// is counted against modelux, not hidden. Trace batches are taken as soon as the bus has them
// (no wait for a fuller batch): with the consumer's default second the in-process bus held up to
// a second of trace bytes for a stand-in that only acks them, and those buffers, kept past a
// young collection, waited for a full one; ~100 MB of the harness's peak RSS at saturation
// (docs/performance.md). A fleet's control plane holds what it holds in its own process.
import type { Bus, Subscription } from "#shared/bus/bus.ts";
import type { BudgetState } from "#shared/bus/envelopes.ts";

const HEARTBEAT_MS = 1_000;
const TRACE_WAIT_MS = 0;

export async function startControlPlaneStandIn(bus: Bus): Promise<{ stop(): Promise<void> }> {
  const totals = new Map<string, BudgetState["totals"][number]>();
  const applied: Record<string, number> = {};
  let version = 0;
  let pending = false;
  const broadcast = () => {
    pending = false;
    version += 1;
    void bus.publishBudgetState({ version, totals: [...totals.values()], applied: { ...applied } });
  };
  const subscriptions: Subscription[] = [
    await bus.subscribeSpendDeltas((delta) => {
      if ((applied[delta.node_id] ?? -1) >= delta.seq) return;
      applied[delta.node_id] = delta.seq;
      for (const item of delta.deltas) {
        const key = `${item.budget_id}\u0000${item.period_start}`;
        const total = totals.get(key) ?? { ...item, usd: 0 };
        total.usd += item.usd;
        totals.set(key, total);
      }
      if (!pending) {
        pending = true;
        setTimeout(broadcast, 50);
      }
    }),
    await bus.consumeTraces((batch) => batch.ack(), { maxBatch: 100, maxWaitMs: TRACE_WAIT_MS }),
  ];
  broadcast();
  const heartbeat = setInterval(broadcast, HEARTBEAT_MS);
  return {
    async stop() {
      clearInterval(heartbeat);
      for (const subscription of subscriptions) await subscription.unsubscribe();
    },
  };
}
