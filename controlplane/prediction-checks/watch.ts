// The periodic prediction check (docs/experiments.md, "Prediction checked against reality"):
// every few minutes, one pass over the promotions that may be checkable (validate.ts). Several
// control planes may run it at once: each promotion is checked, and announced, once.
import type { Database } from "../db/client.ts";
import type { WarehouseQuery } from "../warehouse/query.ts";
import { type Measure, warehouseMeasure } from "./measure.ts";
import { checkDuePredictions } from "./validate.ts";

/** How often the pass runs: a check lands within this of its window closing (plus settling). */
export const PREDICTION_CHECK_INTERVAL_MS = 5 * 60_000;

export interface PredictionCheckWatchOptions {
  db: Database;
  warehouse: Pick<WarehouseQuery, "servedOutcome">;
  log: (message: string) => void;
  intervalMs?: number;
  now?: () => number;
  /** Replaces the warehouse measurement (tests). */
  measure?: Measure;
}

export interface PredictionCheckWatch {
  /** One pass; returns how many checks ended in it. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

export function startPredictionCheckWatch(
  options: PredictionCheckWatchOptions,
): PredictionCheckWatch {
  const now = options.now ?? Date.now;
  const measure = options.measure ?? warehouseMeasure(options.warehouse);
  let running: Promise<number> | null = null;
  const runOnce = async () =>
    (await checkDuePredictions({ db: options.db, measure, now: now() }, options.log)).length;
  const timer = setInterval(() => {
    if (running) return;
    running = runOnce()
      .catch((error: Error) => {
        options.log(`prediction checks: ${error.message}`);
        return 0;
      })
      .finally(() => {
        running = null;
      });
  }, options.intervalMs ?? PREDICTION_CHECK_INTERVAL_MS);
  timer.unref?.();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
