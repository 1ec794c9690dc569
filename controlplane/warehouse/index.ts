// The request-log warehouse (DESIGN §9, docs/warehouse.md) as the control plane runs it: the
// ingester on the trace stream, compaction every few minutes and retention every hour, taking
// turns on one DuckDB connection.
import { join } from "node:path";
import type { Bus } from "#shared/bus/bus.ts";
import type { WarehouseSettings } from "#shared/env/settings.ts";
import type { Logger } from "#shared/log.ts";
import { keepBatchAnswers } from "../batches/kept-answers.ts";
import type { Database } from "../db/client.ts";
import { type CompactionResult, compactTraces } from "./compaction.ts";
import { type IngesterStats, startTraceIngester } from "./ingester.ts";
import { openWarehouse, type Warehouse } from "./parquet-writer.ts";
import { applyTraceRetention, type RetentionResult } from "./retention.ts";

export { type CompactionResult, compactTraces } from "./compaction.ts";
export { type IngesterStats, startTraceIngester, type TraceIngester } from "./ingester.ts";
export { openWarehouse, type Warehouse } from "./parquet-writer.ts";
export { applyTraceRetention, type RetentionResult } from "./retention.ts";

export interface WarehouseOptions {
  bus: Bus;
  root: string;
  /**
   * Projects' retention settings, and where the answers of gateway-run batch lines carried with
   * their rows are kept (controlplane/batches/kept-answers.ts); without it every project keeps
   * the default and no answer is kept.
   */
  db?: Database;
  log: Logger;
  flushIntervalMs?: number;
  maxRows?: number;
  compactEveryMs?: number;
  retentionEveryMs?: number;
}

export interface RunningWarehouse {
  readonly warehouse: Warehouse;
  flush(): Promise<void>;
  compact(): Promise<CompactionResult>;
  applyRetention(): Promise<RetentionResult>;
  stats(): IngesterStats;
  stop(): Promise<void>;
}

const COMPACT_EVERY_MS = 5 * 60_000;
const RETENTION_EVERY_MS = 60 * 60_000;
// The first compaction (which also finishes one a crash interrupted) runs soon after start.
const FIRST_MAINTENANCE_MS = 5000;

/** `MODELUX_TRACES_ROOT`, or `traces` under the data dir. */
export function tracesRoot(settings: WarehouseSettings): string {
  return settings.MODELUX_TRACES_ROOT ?? join(settings.MODELUX_DATA_DIR, "traces");
}

export async function startWarehouse(options: WarehouseOptions): Promise<RunningWarehouse> {
  const { log, db } = options;
  const warehouse = await openWarehouse(options.root);
  const ingester = await startTraceIngester({
    bus: options.bus,
    warehouse,
    log,
    ...(options.flushIntervalMs ? { flushIntervalMs: options.flushIntervalMs } : {}),
    ...(options.maxRows ? { maxRows: options.maxRows } : {}),
    ...(db ? { keepBatchAnswers: (answers) => keepBatchAnswers(db, answers) } : {}),
  });
  // One at a time: retention must not delete a day compaction is merging.
  const maintenance = oneAtATime();
  const compact = () => maintenance(() => compactTraces(warehouse, { log }));
  const applyRetention = () =>
    maintenance(() =>
      applyTraceRetention(warehouse, { log, ...(options.db ? { db: options.db } : {}) }),
    );
  const timers = [
    every(options.compactEveryMs ?? COMPACT_EVERY_MS, "compaction", compact, log),
    every(options.retentionEveryMs ?? RETENTION_EVERY_MS, "retention", applyRetention, log),
  ];
  log(`warehouse at ${options.root}`);
  return {
    warehouse,
    flush: ingester.flush,
    compact,
    applyRetention,
    stats: ingester.stats,
    async stop() {
      await Promise.all(timers.map((timer) => timer.stop()));
      await ingester.stop();
      await warehouse.close();
    },
  };
}

/** A queue of one: each task starts when the one before has settled. */
function oneAtATime() {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  };
}

/** Runs `task` soon after start and then every `intervalMs`, skipping a tick while it runs. */
function every(intervalMs: number, what: string, task: () => Promise<unknown>, log: Logger) {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = task()
      .catch((error: Error) => log(`${what} failed: ${error.message}`))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(tick, Math.min(FIRST_MAINTENANCE_MS, intervalMs));
  const timer = setInterval(tick, intervalMs);
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
