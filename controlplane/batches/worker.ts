// The batch worker (issue 17 §3, docs/batches-and-files.md "Gateway-run batches"): takes a
// running batch under a lease, resolves what a previous worker left claimed, then claims and
// sends its lines through the batch plane at most `concurrency` at a time, paced (settings; a
// completion window slows it to finish just inside), until every line is done, it is
// cancelled (no new line; in-flight lines finish), its deadline passes (the rest `expired`) or
// its spend reaches the cap (the rest `expired`, reason spend_cap).
import type { Database } from "../db/client.ts";
import type { GatewayBatchRow } from "../db/schema/index.ts";
import { systemClock, type WorkerClock } from "./clock.ts";
import type { LineExecutor } from "./line-executor.ts";
import { dispatchGapMs, linesPerSecond } from "./pacing.ts";
import { type PaidLookup, resolveClaimedLines, type Unanswered } from "./resume.ts";
import { runLine } from "./run-line.ts";
import type { BatchWorkerSettings } from "./settings.ts";
import { acquireBatch, BatchStore, discardAbandonedStaging } from "./store.ts";

/** A batch still being created after this long without a new chunk of lines: its creator died. */
export const ABANDONED_STAGING_MS = 60 * 60_000;
/** How often an idle worker looks for such batches. */
const STAGING_SWEEP_MS = 60_000;

export interface BatchWorkerOptions {
  db: Database;
  workerId: string;
  settings: BatchWorkerSettings;
  openExecutor(batch: GatewayBatchRow): Promise<LineExecutor>;
  paidLookup?: PaidLookup | null;
  clock?: WorkerClock;
  log?: (message: string) => void;
  /** Called after each line is sent and recorded (tests stop a worker mid-run with it). */
  onLineDone?: () => void;
}

export class BatchWorker {
  readonly #options: BatchWorkerOptions;
  readonly #clock: WorkerClock;
  #stopping = false;
  /** Aborted by stop(): cuts short whatever the worker sleeps on (idle poll, pacing, a grace). */
  readonly #stopSignal = new AbortController();
  #loop: Promise<void> | null = null;
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: BatchWorkerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** No new line is sent; lines in flight finish and are recorded; the lease is given back. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopSignal.abort();
    await this.#loop;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const ran = await this.runOnce().catch((error) => {
        this.#options.log?.(`batch worker: ${(error as Error).message}`);
        return false;
      });
      if (ran || this.#stopping) continue;
      await this.#sweepAbandonedStaging();
      await this.#sleep(this.#options.settings.pollMs);
    }
  }

  /** Drops batches whose creation stopped midway (a data plane died while storing its lines). */
  async #sweepAbandonedStaging(): Promise<void> {
    const now = this.#clock.now();
    if (now - this.#lastSweep < STAGING_SWEEP_MS) return;
    this.#lastSweep = now;
    const dropped = await discardAbandonedStaging(
      this.#options.db,
      new Date(now - ABANDONED_STAGING_MS),
    ).catch((error) => {
      this.#options.log?.(`batch worker: dropping abandoned batches: ${(error as Error).message}`);
      return 0;
    });
    if (dropped > 0)
      this.#options.log?.(`batch worker: dropped ${dropped} batches whose creation never finished`);
  }

  /** The clock's sleep, ended at once by stop(). */
  #sleep(ms: number): Promise<void> {
    return this.#clock.sleep(ms, this.#stopSignal.signal);
  }

  /** Runs one batch it can take to its end (or until stopped); false when none was there. */
  async runOnce(): Promise<boolean> {
    const { db, workerId, settings } = this.#options;
    const batch = await acquireBatch(db, workerId, new Date(this.#clock.now()), settings.leaseMs);
    if (!batch) return false;
    const store = new BatchStore(db, batch);
    // Before its plane opens (and ships what its write-ahead log on this node still holds).
    await this.#resolveOrphans(store);
    const executor = await this.#options.openExecutor(batch);
    try {
      await this.#drive(store, executor);
    } finally {
      await executor.close();
      await store.releaseLease(workerId);
    }
    return true;
  }

  /**
   * Lines a crashed worker left claimed (resume.ts); a lookup that fails leaves them claimed for
   * the next try.
   */
  async #resolveOrphans(store: BatchStore, unanswered?: Unanswered) {
    const { paidLookup, settings } = this.#options;
    return resolveClaimedLines(store, paidLookup ?? null, this.#clock, settings, unanswered).catch(
      (error) => {
        this.#options.log?.(
          `batch worker: looking up batch ${store.batch.id}'s claimed lines: ${(error as Error).message}`,
        );
        return null;
      },
    );
  }

  async #drive(store: BatchStore, executor: LineExecutor): Promise<void> {
    const { settings, workerId } = this.#options;
    const clock = this.#clock;
    const inFlight = new Set<Promise<void>>();
    const settle = () => (inFlight.size > 0 ? Promise.race(inFlight) : Promise.resolve());
    const finish = async () => {
      await Promise.all(inFlight);
    };
    let nextDispatchAt = clock.now();
    while (true) {
      if (this.#stopping) return finish();
      const now = new Date(clock.now());
      if (!(await store.renewLease(workerId, new Date(now.getTime() + settings.leaseMs))))
        return finish();
      const batch = (await store.reload()) as GatewayBatchRow;
      const progress = await store.progress();
      if (batch.status === "cancelling" || batch.cancel_requested_at) {
        const cancelled = {
          code: "batch_cancelled",
          message: "the batch was cancelled before this line was sent",
        };
        await store.closePending("canceled", cancelled, now);
        await finish();
        await this.#resolveOrphans(store, {
          action: "close",
          status: "canceled",
          error: cancelled,
        });
        return store.end("cancelled", new Date(clock.now()));
      }
      if (batch.deadline_at && now >= batch.deadline_at) {
        const expired = {
          code: "batch_expired",
          message: "the batch's completion window ended before this line was sent",
        };
        await store.closePending("expired", expired, now);
        await finish();
        await this.#resolveOrphans(store, { action: "close", status: "expired", error: expired });
        return store.end("expired", new Date(clock.now()));
      }
      if (
        batch.spend_cap_usd !== null &&
        this.#capReached(progress, inFlight.size, batch.spend_cap_usd)
      ) {
        await finish();
        const capped = {
          code: "spend_cap_reached",
          message: `the batch reached its spend cap ($${batch.spend_cap_usd}) before this line was sent`,
        };
        await this.#resolveOrphans(store, { action: "close", status: "expired", error: capped });
        const after = await store.progress();
        if (after.pending === 0 && after.claimed === 0)
          return store.end("completed", new Date(clock.now()));
        await store.closePending("expired", capped, new Date(clock.now()));
        return store.end("spend_cap", new Date(clock.now()));
      }
      if (inFlight.size >= settings.concurrency) {
        await settle();
        continue;
      }
      const wait = nextDispatchAt - clock.now();
      if (wait > 0) {
        await this.#sleep(wait);
        continue;
      }
      const [line] = await store.claim(1, new Date(clock.now()));
      if (!line) {
        if (inFlight.size > 0) {
          await settle();
          continue;
        }
        // Nothing of this worker's is in flight: a line still claimed is a crashed worker's,
        // waiting for its lookup's grace (resume.ts).
        if ((await store.progress()).claimed > 0) {
          const resolved = await this.#resolveOrphans(store);
          if (resolved && resolved.waiting === 0) continue;
          const until = resolved?.graceEndsAt ?? clock.now() + settings.pollMs;
          // Woken at least every third of a lease, so the lease is renewed above.
          await this.#sleep(Math.max(1, Math.min(until - clock.now(), settings.leaseMs / 3)));
          continue;
        }
        const due = await store.nextDue();
        if (due === null) return store.end("completed", new Date(clock.now()));
        await this.#sleep(Math.max(1, due.getTime() - clock.now()));
        continue;
      }
      const running = runLine(store, executor, line, settings, clock).then(() =>
        this.#options.onLineDone?.(),
      );
      const tracked = running.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      const rate = linesPerSecond({
        remainingLines: progress.pending,
        remainingMs: batch.deadline_at ? batch.deadline_at.getTime() - clock.now() : null,
        minLinesPerSecond: settings.minLinesPerSecond,
        maxLinesPerSecond: settings.maxLinesPerSecond,
      });
      nextDispatchAt = clock.now() + dispatchGapMs(rate);
    }
  }

  /**
   * Whether another line could pass the cap: spent so far, plus what the lines in flight are
   * expected to cost (the average of the lines done), plus one more line.
   */
  #capReached(
    progress: { spentUsd: number; succeeded: number; errored: number },
    inFlight: number,
    capUsd: number,
  ): boolean {
    const done = progress.succeeded + progress.errored;
    const average = done > 0 ? progress.spentUsd / done : 0;
    return progress.spentUsd + average * (inFlight + 1) > capUsd;
  }
}
