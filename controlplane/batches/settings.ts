// The batch worker's settings (docs/configuration.md, "Gateway-run batches"): how many lines are
// in flight at once, the pace bounds, retries and the lease a worker holds a batch by.
import * as v from "valibot";
import { readSettings } from "#shared/env/settings.ts";

const number = (fallback: number, min: number, message: string) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform(Number),
    v.number(message),
    v.check((value) => Number.isFinite(value) && value >= min, message),
  );

const BatchSettingsSchema = v.object({
  MODELUX_BATCH_CONCURRENCY: number(8, 1, "must be a number of lines, at least 1"),
  MODELUX_BATCH_MAX_LINES_PER_SECOND: number(50, 0.001, "must be a positive rate"),
  MODELUX_BATCH_MIN_LINES_PER_SECOND: number(0.05, 0.001, "must be a positive rate"),
  MODELUX_BATCH_MAX_ATTEMPTS: number(3, 1, "must be a number of attempts, at least 1"),
  MODELUX_BATCH_RETRY_BACKOFF_MS: number(2_000, 0, "must be milliseconds"),
  MODELUX_BATCH_LEASE_MS: number(30_000, 1_000, "must be milliseconds, at least 1000"),
  MODELUX_BATCH_POLL_MS: number(1_000, 10, "must be milliseconds, at least 10"),
  MODELUX_BATCH_RESUME_GRACE_MS: number(60_000, 0, "must be milliseconds"),
});

export interface BatchWorkerSettings {
  /** Lines in flight at once, per worker. */
  concurrency: number;
  /** The fastest a batch is sent, lines per second (a completion window never goes above). */
  maxLinesPerSecond: number;
  /** The slowest a batch with a completion window is paced to (so it never stalls). */
  minLinesPerSecond: number;
  /** Calls of one line at most, the first included, on retryable failures. */
  maxAttempts: number;
  /** Wait before a retry, doubled at each further attempt. */
  retryBackoffMs: number;
  /** How long a worker holds a batch without renewing; a crashed worker's batch is taken after. */
  leaseMs: number;
  /** How often an idle worker looks for batches to run. */
  pollMs: number;
  /**
   * How long after its claim a line a crashed worker left is looked up before it counts as never
   * answered and is sent again: time for the crashed node's request-log rows to reach the
   * warehouse (write-ahead shipping, JetStream redelivery, the ingester's flush).
   */
  resumeGraceMs: number;
}

export function readBatchSettings(env: Record<string, string | undefined> = process.env) {
  const read = readSettings(BatchSettingsSchema, env);
  const settings: BatchWorkerSettings = {
    concurrency: Math.floor(read.MODELUX_BATCH_CONCURRENCY),
    maxLinesPerSecond: read.MODELUX_BATCH_MAX_LINES_PER_SECOND,
    minLinesPerSecond: Math.min(
      read.MODELUX_BATCH_MIN_LINES_PER_SECOND,
      read.MODELUX_BATCH_MAX_LINES_PER_SECOND,
    ),
    maxAttempts: Math.floor(read.MODELUX_BATCH_MAX_ATTEMPTS),
    retryBackoffMs: read.MODELUX_BATCH_RETRY_BACKOFF_MS,
    leaseMs: read.MODELUX_BATCH_LEASE_MS,
    pollMs: read.MODELUX_BATCH_POLL_MS,
    resumeGraceMs: read.MODELUX_BATCH_RESUME_GRACE_MS,
  };
  return settings;
}

export const defaultBatchSettings = (): BatchWorkerSettings => readBatchSettings({});
