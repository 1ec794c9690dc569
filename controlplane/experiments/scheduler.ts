// The scheduler of scheduled experiments (docs/experiments.md#scheduled-experiments): every
// control plane looks for due schedules twice a minute, claims them with FOR UPDATE SKIP
// LOCKED, queues each one's run (schedule-runs.ts) and moves its `next_run_at` to the next fire,
// all in one transaction. A schedule is claimed by one control plane at a time, and once its
// transaction commits the others see the next fire, so a fire runs once in a fleet; the state
// is in Postgres, so a restart loses no fire. A fire missed while no control plane ran is run
// once, at the latest missed fire time, not once per fire missed. The experiment runner then
// takes the run like any queued experiment.
import { and, asc, eq, lte } from "drizzle-orm";
import type { Logger } from "#shared/log.ts";
import type { Database } from "../db/client.ts";
import { type ScheduledExperimentRow, scheduledExperiments } from "../db/schema/index.ts";
import { latestDueFire, nextFire, parseCron } from "./cron.ts";
import { queueScheduledRun } from "./schedule-runs.ts";

/** Cron's granularity is a minute; looking twice a minute starts a run within 30 s of its fire. */
export const SCHEDULER_INTERVAL_MS = 30_000;
/** Schedules claimed per transaction; a tick takes batches until none is due. */
const BATCH = 20;
/** A schedule whose run could not be queued is tried again this much later. */
const RETRY_MS = 5 * 60_000;

export interface ExperimentSchedulerOptions {
  db: Database;
  log: Logger;
  /** The clock fires are judged by; injected by tests. */
  now?: () => number;
  intervalMs?: number;
  /** Called when runs were queued (the experiment runner's wake). */
  onQueued?: () => void;
}

export interface ExperimentScheduler {
  /** Queues the run of every schedule due now; resolves with how many runs it queued. */
  runDue(): Promise<number>;
  stop(): Promise<void>;
}

export function startExperimentScheduler(options: ExperimentSchedulerOptions): ExperimentScheduler {
  const now = options.now ?? Date.now;
  let running: Promise<number> | null = null;
  let stopped = false;

  const runDue = async (): Promise<number> => {
    let queued = 0;
    for (;;) {
      const claimed = await claimAndQueue(options.db, new Date(now()), options.log);
      queued += claimed;
      if (claimed < BATCH || stopped) break;
    }
    if (queued > 0) options.onQueued?.();
    return queued;
  };
  const tick = () => {
    if (running || stopped) return;
    running = runDue()
      .catch((error: Error) => {
        options.log(`experiment scheduler: ${error.message}`);
        return 0;
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs ?? SCHEDULER_INTERVAL_MS);
  timer.unref?.();
  return {
    runDue,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/** One batch: the due schedules nobody else holds, each run queued and moved to its next fire. */
async function claimAndQueue(db: Database, now: Date, log: Logger): Promise<number> {
  return db.transaction(async (transaction) => {
    const due = await transaction
      .select()
      .from(scheduledExperiments)
      .where(
        and(eq(scheduledExperiments.status, "active"), lte(scheduledExperiments.next_run_at, now)),
      )
      .orderBy(asc(scheduledExperiments.next_run_at))
      .limit(BATCH)
      .for("update", { skipLocked: true });
    for (const schedule of due) {
      try {
        // A savepoint: one schedule that cannot be queued does not undo the others.
        await transaction.transaction(async (savepoint) => {
          const next = await queueDue(savepoint, schedule, now);
          await savepoint
            .update(scheduledExperiments)
            .set({ next_run_at: next })
            .where(eq(scheduledExperiments.id, schedule.id));
        });
      } catch (error) {
        log(`scheduled experiment ${schedule.id}: run not queued: ${(error as Error).message}`);
        await transaction
          .update(scheduledExperiments)
          .set({ next_run_at: new Date(now.getTime() + RETRY_MS) })
          .where(eq(scheduledExperiments.id, schedule.id));
      }
    }
    return due.length;
  });
}

/** Queues the run of the latest due fire; returns the next fire after now. */
async function queueDue(
  db: Database,
  schedule: ScheduledExperimentRow,
  now: Date,
): Promise<Date | null> {
  const cron = parseCron(schedule.cron_expression);
  const dueAt = schedule.next_run_at?.getTime() ?? now.getTime();
  const fire = latestDueFire(cron, dueAt, now.getTime());
  await queueScheduledRun(db, schedule, {
    trigger: "schedule",
    scheduledFor: new Date(fire),
    createdBy: schedule.created_by,
  });
  const next = nextFire(cron, now.getTime());
  return next === null ? null : new Date(next);
}
