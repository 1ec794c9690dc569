// What a data plane's request handlers share: the current config, the fleet's revocations, this
// node's view of upstream health, and where decision traces go.
import { BudgetLedger } from "./budgets/budget-ledger.ts";
import { HealthTracker } from "./routing/health.ts";
import type { SnapshotLoader } from "./snapshot/snapshot-loader.ts";
import { RecentTraces, type TraceEmitter } from "./trace/trace-emitter.ts";

export interface DataPlaneContext {
  readonly nodeId: string;
  readonly loader: SnapshotLoader;
  /** Keys revoked by control event since the current snapshot was compiled. */
  readonly revokedKeyHashes: Set<string>;
  /** Per (provider, model), fed by every attempt; outlives snapshot swaps. */
  readonly health: HealthTracker;
  readonly traces: TraceEmitter;
  /** This node's view of budget spend: fleet totals, its own unsent spend, open reservations. */
  readonly budgets: BudgetLedger;
  /** Uniform in [0, 1): latency exploration draws from it (seedable in tests). */
  readonly random: () => number;
}

export function createDataPlaneContext(options: {
  nodeId: string;
  loader: SnapshotLoader;
  health?: HealthTracker;
  traces?: TraceEmitter;
  random?: () => number;
  budgets?: BudgetLedger;
}): DataPlaneContext {
  return {
    nodeId: options.nodeId,
    loader: options.loader,
    revokedKeyHashes: new Set(),
    health: options.health ?? new HealthTracker(),
    traces: options.traces ?? new RecentTraces(),
    budgets: options.budgets ?? new BudgetLedger({ nodeId: options.nodeId }),
    random: options.random ?? Math.random,
  };
}
