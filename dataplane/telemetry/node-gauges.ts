// The data plane's state as gauges, read when /metrics is scraped (never on a request): circuit
// breakers, budgets' spend and caps as this node sees them, the bus, the snapshot served, and
// the trace write-ahead log when the node keeps one, and the response cache's first level.
import { Counter, Gauge, type Registry } from "prom-client";
import { allBudgets } from "../budgets/budget-index.ts";
import type { BudgetLedger } from "../budgets/budget-ledger.ts";
import { checkBudgets } from "../budgets/enforce.ts";
import { type HealthTracker, splitHealthKey } from "../routing/health.ts";
import type { SnapshotLoader } from "../snapshot/snapshot-loader.ts";
import type { ModelLabels } from "./metric-labels.ts";

/** The trace write-ahead log, as wal-emitter.ts exposes it. */
export interface TraceLogGauges {
  pendingBytes(): number;
  readonly dropped: number;
}

/** The response cache's first level on this node, as response-cache.ts exposes it. */
export interface CacheGauges {
  readonly stats: { entries: number; bytes: number; indexed: number };
}

export interface NodeSources {
  loader: SnapshotLoader;
  health: HealthTracker;
  budgets: BudgetLedger;
  traceLog?: TraceLogGauges | undefined;
  cache?: CacheGauges | undefined;
  now?: () => number;
}

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

export function registerNodeGauges(
  registry: Registry,
  sources: NodeSources,
  models: ModelLabels,
): void {
  const registers = [registry];
  const now = sources.now ?? Date.now;
  new Gauge({
    name: "modelux_circuit_breaker_state",
    help: "Circuit breaker per provider and model this node has called: 0 closed, 1 half-open (probing), 2 open (skipped by routing).",
    labelNames: ["provider", "model"],
    registers,
    collect() {
      this.reset();
      const config = sources.loader.current;
      if (!config) return;
      // Several raw model names can share a catalog name (or `other`): the worst state shows.
      const worst = new Map<string, { labels: Record<string, string>; value: number }>();
      for (const key of sources.health.keys()) {
        const { providerId, model } = splitHealthKey(key);
        const provider = config.providersById.get(providerId);
        if (!provider) continue;
        const labels = { provider: provider.name, model: models.ofVendor(provider.vendor, model) };
        const value = CIRCUIT_VALUE[sources.health.state(key)];
        const id = `${labels.provider}\u0000${labels.model}`;
        const seen = worst.get(id);
        if (!seen || seen.value < value) worst.set(id, { labels, value });
      }
      for (const { labels, value } of worst.values()) this.set(labels, value);
    },
  });
  const budgetLabels = ["budget_id", "budget", "scope"] as const;
  const standings = () => {
    const config = sources.loader.current;
    if (!config) return [];
    const budgets = allBudgets(config);
    return checkBudgets(sources.budgets, budgets, now()).standings;
  };
  new Gauge({
    name: "modelux_budget_spend_usd",
    help: "Spend of each budget's current period as this node sees it (fleet totals, unsent spend, open reservations).",
    labelNames: budgetLabels,
    registers,
    collect() {
      this.reset();
      for (const standing of standings())
        this.set(budgetLabelsOf(standing.budget), finite(standing.spendUsd));
    },
  });
  new Gauge({
    name: "modelux_budget_cap_usd",
    help: "Each budget's cap for its period.",
    labelNames: budgetLabels,
    registers,
    collect() {
      this.reset();
      const config = sources.loader.current;
      if (!config) return;
      for (const budget of allBudgets(config)) this.set(budgetLabelsOf(budget), budget.capUsd);
    },
  });
  new Gauge({
    name: "modelux_budget_state_age_seconds",
    help: "Time since this node last heard the fleet's budget totals over the bus (-1: never).",
    registers,
    collect() {
      const age = sources.budgets.stateAgeMs();
      this.set(Number.isFinite(age) ? age / 1000 : -1);
    },
  });
  new Gauge({
    name: "modelux_bus_connected",
    help: "1 while the node is connected to the bus (snapshot updates, spend, traces), else 0.",
    registers,
    collect() {
      this.set(sources.loader.busState() === "connected" ? 1 : 0);
    },
  });
  new Gauge({
    name: "modelux_snapshot_version",
    help: "Version of the config snapshot served (0: none yet).",
    registers,
    collect() {
      this.set(sources.loader.current?.version ?? 0);
    },
  });
  new Gauge({
    name: "modelux_snapshot_age_seconds",
    help: "Time since the control plane compiled the snapshot served (-1: none yet).",
    registers,
    collect() {
      const created = Date.parse(sources.loader.current?.createdAt ?? "");
      this.set(Number.isNaN(created) ? -1 : Math.max(0, (now() - created) / 1000));
    },
  });
  const cache = sources.cache;
  if (cache) {
    new Gauge({
      name: "modelux_cache_entries",
      help: "Response-cache entries held in this node's memory (the first level, fed by the fleet's store).",
      registers,
      collect() {
        this.set(cache.stats.entries);
      },
    });
    new Gauge({
      name: "modelux_cache_memory_bytes",
      help: "Approximate bytes of the response-cache entries held in this node's memory (bounded by the first level's size).",
      registers,
      collect() {
        this.set(cache.stats.bytes);
      },
    });
    new Gauge({
      name: "modelux_cache_indexed_vectors",
      help: "Vectors in this node's semantic-cache indexes (entries held or known to the store).",
      registers,
      collect() {
        this.set(cache.stats.indexed);
      },
    });
  }
  const traceLog = sources.traceLog;
  if (traceLog) {
    new Gauge({
      name: "modelux_trace_wal_backlog_bytes",
      help: "Request-log rows on this node's disk not yet stored by the bus.",
      registers,
      collect() {
        this.set(traceLog.pendingBytes());
      },
    });
    new Counter({
      name: "modelux_trace_wal_dropped_total",
      help: "Request-log rows dropped because the write-ahead log was full.",
      registers,
      collect() {
        this.reset();
        this.inc(traceLog.dropped);
      },
    });
  }
}

function budgetLabelsOf(budget: { id: string; name: string; scopeType: string }) {
  return { budget_id: budget.id, budget: budget.name, scope: budget.scopeType };
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
