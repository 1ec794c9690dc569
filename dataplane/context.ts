// What a data plane's request handlers share: the current config, the fleet's revocations, this
// node's view of upstream health, where decision traces go, the fleet's shared state store, and
// the node's telemetry.
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import type { StateStore } from "#shared/bus/state-store.ts";
import { defaultObservability } from "#shared/env/settings.ts";
import { createLogger } from "#shared/log.ts";
import { BudgetLedger } from "./budgets/budget-ledger.ts";
import { ResponseCache } from "./cache/response-cache.ts";
import { KeyLimiter } from "./limits/key-limiter.ts";
import { HealthTracker } from "./routing/health.ts";
import type { SnapshotLoader } from "./snapshot/snapshot-loader.ts";
import type { TraceLogGauges } from "./telemetry/node-gauges.ts";
import { DataPlaneTelemetry, type TelemetrySettings } from "./telemetry/telemetry.ts";
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
  /** Per-key request and token counts: this node's and its peers' (docs/limits.md). */
  readonly limits: KeyLimiter;
  /** Uniform in [0, 1): latency exploration draws from it (seedable in tests). */
  readonly random: () => number;
  /**
   * The bus's org-scoped state store (stored responses and their input items, file and batch
   * owners, cache entries): the only state a handler keeps beyond a request, readable by every
   * data plane. Never on the hot path of a request that does not need it; calls reject with
   * BusUnavailableError (a 503) while the bus is unreachable.
   */
  readonly state: StateStore;
  /** This node's view of the fleet's response cache, fed from `state` (docs/caching.md). */
  readonly cache: ResponseCache;
  /**
   * Metrics, access log and OpenTelemetry spans (dataplane/telemetry): handed each finished
   * trace after the emitter, recorded off the request path.
   */
  readonly telemetry: DataPlaneTelemetry;
}

export function createDataPlaneContext(options: {
  nodeId: string;
  loader: SnapshotLoader;
  health?: HealthTracker;
  traces?: TraceEmitter;
  random?: () => number;
  budgets?: BudgetLedger;
  limits?: KeyLimiter;
  /** Default: a store of its own in this process (tests, a plane without a fleet). */
  state?: StateStore;
  /**
   * When the response cache starts following `state`: at once (default), or when the caller
   * calls `cache.follow(store)` (a fleet node, once its bus is there).
   */
  cacheFeed?: "now" | "later";
  /**
   * Default: metrics on, access log and spans off (defaultObservability); `false` records
   * nothing (the control plane's replay planes).
   */
  telemetry?: { settings: TelemetrySettings; traceLog?: TraceLogGauges } | false;
}): DataPlaneContext {
  const health = options.health ?? new HealthTracker();
  const budgets = options.budgets ?? new BudgetLedger({ nodeId: options.nodeId });
  const state = options.state ?? new InProcessStateStore();
  const cacheLog = createLogger("response-cache");
  const cache = new ResponseCache({ state, log: (message) => cacheLog.warn(message) });
  if (options.cacheFeed !== "later")
    cache.follow().catch((error) => {
      cacheLog.warn(`cannot follow the state store: ${(error as Error).message}`);
    });
  const telemetry =
    options.telemetry === false
      ? DataPlaneTelemetry.off()
      : new DataPlaneTelemetry({
          nodeId: options.nodeId,
          settings: options.telemetry?.settings ?? defaultObservability(),
          sources: {
            loader: options.loader,
            health,
            budgets,
            traceLog: options.telemetry?.traceLog,
            cache,
          },
        });
  return {
    nodeId: options.nodeId,
    loader: options.loader,
    revokedKeyHashes: new Set(),
    health,
    traces: options.traces ?? new RecentTraces(),
    budgets,
    limits: options.limits ?? new KeyLimiter({ nodeId: options.nodeId }),
    random: options.random ?? Math.random,
    state,
    cache,
    telemetry,
  };
}
