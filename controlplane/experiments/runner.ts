// Runs queued experiments in the control plane, one at a time (DESIGN §9): claims the oldest
// queued one (SKIP LOCKED, so control planes of a fleet never run the same), reports progress
// as it goes (which doubles as a heartbeat and notices a cancel or delete), and stores the
// summaries, the verdict and the webhooks in one transaction. A routing_only experiment whose
// runner died (no heartbeat for STALE_MS) is queued again, one interrupted by a shutdown at once;
// a with_responses one fails instead, since running it again would pay for its requests twice.
import { and, asc, eq, lt } from "drizzle-orm";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Logger } from "#shared/log.ts";
import type { Database } from "../db/client.ts";
import { type ExperimentRow, experiments } from "../db/schema/index.ts";
import { viewExperiment } from "../modules/experiments/service.ts";
import { enqueueEvent } from "../webhooks/enqueue.ts";
import { type ExperimentWarehouse, openExperimentWarehouse } from "./experiment-duckdb.ts";
import { ReplayCancelled } from "./routing-replay.ts";
import { runExperiment } from "./run-experiment.ts";
import { recordScheduledRunOutcome } from "./schedule-outcome.ts";

export interface ExperimentRunnerOptions {
  db: Database;
  /** The warehouse's Parquet root (MODELUX_TRACES_ROOT). */
  root: string;
  log: Logger;
  /** How often to look for queued experiments; default 1 s. */
  pollMs?: number;
  /** DuckDB threads for a run; default 2. */
  threads?: number;
  /**
   * Opens provider credentials for with_responses, whose replay plane calls providers; without
   * it such experiments fail with a message saying so.
   */
  secretBox?: SecretBox;
}

export interface ExperimentRunner {
  /** Looks for queued work now instead of at the next poll. */
  wake(): void;
  /** Resolves when nothing is queued or running here (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const STALE_MS = 2 * 60_000;
const INTERRUPTED =
  "interrupted: the control plane running it stopped; a with_responses run is not restarted " +
  "(what it re-sent was paid for), create the experiment again";
const PROGRESS_EVERY_MS = 250;

export function startExperimentRunner(options: ExperimentRunnerOptions): ExperimentRunner {
  const { db, log } = options;
  // Opened now, not on the first experiment: that one should not wait for DuckDB to start.
  const warehouse = openExperimentWarehouse({ root: options.root, threads: options.threads });
  warehouse.catch((error: Error) =>
    log(`experiment runner: DuckDB did not start: ${error.message}`),
  );
  let stopping = false;
  let running: Promise<void> | null = null;
  let again = false;

  const loop = async () => {
    do {
      again = false;
      // Nothing is claimed while DuckDB cannot run it.
      const duckdb = await warehouse;
      await requeueStale(db);
      for (let row = await claimNext(db); row && !stopping; row = await claimNext(db)) {
        await runOne(db, duckdb, options.secretBox ?? null, row, () => stopping, log);
      }
    } while (again && !stopping);
  };
  const wake = () => {
    if (stopping) return;
    if (running) {
      again = true;
      return;
    }
    running = loop()
      .catch((error: Error) => log(`experiment runner: ${error.message}`))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(wake, options.pollMs ?? 1000);
  wake();
  return {
    wake,
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      await running;
      await (await warehouse.catch(() => null))?.close();
    },
  };
}

/** The oldest queued experiment, now running here. */
async function claimNext(db: Database): Promise<ExperimentRow | null> {
  return db.transaction(async (transaction) => {
    const [next] = await transaction
      .select({ id: experiments.id })
      .from(experiments)
      .where(eq(experiments.status, "queued"))
      .orderBy(asc(experiments.created_at), asc(experiments.id))
      .limit(1)
      .for("update", { skipLocked: true });
    if (!next) return null;
    const now = new Date();
    const [row] = await transaction
      .update(experiments)
      .set({ status: "running", progress: 0, error: null, started_at: now, updated_at: now })
      .where(eq(experiments.id, next.id))
      .returning();
    return row ?? null;
  });
}

async function requeueStale(db: Database): Promise<void> {
  const stale = and(
    eq(experiments.status, "running"),
    lt(experiments.updated_at, new Date(Date.now() - STALE_MS)),
  );
  await db
    .update(experiments)
    .set({ status: "queued", progress: 0, updated_at: new Date() })
    .where(and(stale, eq(experiments.mode, "routing_only")));
  // A re-sending run spent money before it died; running it again would spend it twice.
  await db
    .update(experiments)
    .set({ status: "failed", error: INTERRUPTED, completed_at: new Date(), updated_at: new Date() })
    .where(and(stale, eq(experiments.mode, "with_responses")));
}

async function runOne(
  db: Database,
  warehouse: ExperimentWarehouse,
  secretBox: SecretBox | null,
  row: ExperimentRow,
  stopping: () => boolean,
  log: Logger,
): Promise<void> {
  let reported = 0;
  // Progress is also the heartbeat, and the moment a cancel, a delete or a shutdown is noticed.
  const onProgress = async (fraction: number) => {
    if (stopping()) return false;
    if (Date.now() - reported < PROGRESS_EVERY_MS) return true;
    reported = Date.now();
    const [still] = await db
      .update(experiments)
      .set({ progress: Math.min(1, fraction), updated_at: new Date() })
      .where(and(eq(experiments.id, row.id), eq(experiments.status, "running")))
      .returning({ id: experiments.id });
    return still !== undefined;
  };
  try {
    const outcome = await runExperiment(db, warehouse, secretBox, row, onProgress);
    await finish(db, row, {
      status: "completed",
      verdict: outcome.verdict,
      baseline_summary: outcome.baseline_summary,
      candidate_summary: outcome.candidate_summary,
    });
    log(`experiment ${row.id} completed: ${outcome.verdict} (${outcome.replayed} requests)`);
  } catch (error) {
    if (error instanceof ReplayCancelled) {
      // Cancelled or deleted meanwhile: nothing to store. Shut down mid-run: run it again later,
      // unless it re-sends requests: those were paid for, and a second run would pay again.
      if (stopping() && row.mode === "with_responses")
        await finish(db, row, { status: "failed", error: INTERRUPTED });
      else if (stopping())
        await db
          .update(experiments)
          .set({ status: "queued", progress: 0, updated_at: new Date() })
          .where(and(eq(experiments.id, row.id), eq(experiments.status, "running")));
      return;
    }
    log(`experiment ${row.id} failed: ${(error as Error)?.stack ?? error}`);
    // Our own errors say what to fix; anything else (DuckDB, Postgres) stays in the log.
    const message =
      error instanceof GatewayError
        ? error.message
        : "internal error while running the experiment; the control plane's log has the details";
    await finish(db, row, { status: "failed", error: message });
  }
}

/** Stores the outcome unless the experiment was cancelled or deleted meanwhile, with its webhooks. */
async function finish(
  db: Database,
  row: ExperimentRow,
  outcome: Partial<
    Pick<ExperimentRow, "verdict" | "baseline_summary" | "candidate_summary" | "error">
  > & {
    status: "completed" | "failed";
  },
): Promise<void> {
  await db.transaction(async (transaction) => {
    const now = new Date();
    const [updated] = await transaction
      .update(experiments)
      .set({
        ...outcome,
        progress: outcome.status === "completed" ? 1 : row.progress,
        completed_at: now,
        updated_at: now,
      })
      .where(and(eq(experiments.id, row.id), eq(experiments.status, "running")))
      .returning();
    if (!updated) return;
    const experiment = viewExperiment(updated);
    // A scheduled experiment's run sends its own events (regression_detected once per regression).
    if (await recordScheduledRunOutcome(transaction, updated, experiment)) return;
    await enqueueEvent(transaction, row.org_id, "experiment.completed", { experiment });
    if (updated.verdict === "fail")
      await enqueueEvent(transaction, row.org_id, "experiment.regression_detected", {
        experiment,
        reason: experiment.criteria?.reason ?? null,
      });
  });
}
