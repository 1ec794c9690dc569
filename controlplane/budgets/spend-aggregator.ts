// Takes the fleet's spend messages off the bus and applies them one at a time, in arrival order,
// away from the bus callback. A message that fails is tried again (its transaction changed
// nothing); while the database is unreachable that costs it nothing, but a message that keeps
// failing against a working database is given up after a few attempts so it cannot wedge the
// loop (its node's cursor is moved past it, logged as lost, or the node's later messages would be
// refused behind it). Nothing is lost by dropping a queued message or refusing one that follows
// a gap: a data plane sends again, in order, whatever no broadcast has reported applied.
import { sql } from "drizzle-orm";
import type { SpendDelta } from "#shared/bus/envelopes.ts";
import type { Database } from "../db/client.ts";
import { applySpendDelta, skipSpendDelta } from "./apply-spend-delta.ts";

export interface SpendAggregatorOptions {
  db: Database;
  now: () => number;
  log: (message: string) => void;
  /** Called after a message changed spend (the broadcaster then sends soon). */
  onApplied: () => void;
  /** Attempts against a reachable database before a message is given up. */
  maxAttempts?: number;
  /** First pause after a failure; doubles per attempt, at most 2 s. */
  retryBaseMs?: number;
  /** Messages waiting beyond this are refused (their senders send them again). */
  maxQueued?: number;
}

interface Queued {
  delta: SpendDelta;
  key: string;
  /** Failures against a reachable database: what gives a message up. */
  attempts: number;
  /** All failures in a row: what the pause grows with. */
  failures: number;
}

// Alerts already recorded are remembered so each message does not try to write them again;
// the database's unique index stays the authority. Forgotten wholesale past this size.
const MAX_KNOWN_ALERTS = 10_000;

export class SpendAggregator {
  readonly #queue: Queued[] = [];
  readonly #queuedKeys = new Set<string>();
  /** Highest seq applied per node as far as this process knows: a floor of the database's. */
  readonly #appliedSeq = new Map<string, number>();
  readonly #knownAlerts = new Set<string>();
  readonly #idleWaiters: Array<() => void> = [];
  /** Ends the current sleep; `#wake` is the same while a new message may end it. */
  #interrupt: (() => void) | null = null;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  #busy = false;
  #stopped = false;
  #failingSince: number | null = null;

  constructor(readonly options: SpendAggregatorOptions) {}

  /** From the bus callback: queues and returns at once. */
  enqueue(delta: SpendDelta): void {
    if (this.#stopped) return;
    const key = `${delta.node_id}\u0000${delta.seq}`;
    if (this.#queuedKeys.has(key)) return;
    if (delta.seq <= (this.#appliedSeq.get(delta.node_id) ?? -1)) return;
    if (this.#queue.length >= (this.options.maxQueued ?? 10_000)) return;
    this.#queue.push({ delta, key, attempts: 0, failures: 0 });
    this.#queuedKeys.add(key);
    this.#wake?.();
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Resolves once everything queued so far has been processed. */
  drain(): Promise<void> {
    if (this.#stopped || (this.#queue.length === 0 && !this.#busy)) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Finishes the message in hand; the rest are left for their senders to send again. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#interrupt?.();
    await this.#loop;
    this.#settleIdle();
  }

  get queued(): number {
    return this.#queue.length;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const head = this.#queue[0];
      if (!head) {
        this.#settleIdle();
        await this.#sleep(Number.POSITIVE_INFINITY, { untilMessage: true });
        continue;
      }
      this.#busy = true;
      const retryInMs = await this.#process(head);
      this.#busy = false;
      if (retryInMs > 0 && !this.#stopped) await this.#sleep(retryInMs, { untilMessage: false });
    }
  }

  /** Applies the head of the queue; the pause before trying it again, or 0 when it is done. */
  async #process(head: Queued): Promise<number> {
    const { delta } = head;
    try {
      const outcome = await applySpendDelta(this.options.db, delta, {
        nowMs: this.options.now(),
        knownAlerts: this.#knownAlerts,
      });
      this.#done(head);
      if (this.#failingSince !== null) {
        this.options.log(`spend deltas applied again after ${Date.now() - this.#failingSince} ms`);
        this.#failingSince = null;
      }
      // A message refused behind a gap will come again, after the one it is waiting for.
      if (outcome.status !== "gap") this.#noteApplied(delta);
      if (outcome.status === "applied") {
        if (outcome.dropped > 0) {
          this.options.log(
            `spend delta ${delta.node_id}#${delta.seq}: ${outcome.dropped} amount(s) for unknown budgets dropped`,
          );
        }
        this.#remember(outcome.alerts);
        this.options.onApplied();
      }
      return 0;
    } catch (error) {
      const message = (error as Error).message;
      // Only failures against a reachable database count against the message.
      const databaseUp = await this.#ping();
      if (databaseUp) head.attempts++;
      head.failures++;
      const maxAttempts = this.options.maxAttempts ?? 5;
      if (head.attempts >= maxAttempts) {
        this.#done(head);
        this.#failingSince = null;
        const skipped = await skipSpendDelta(this.options.db, delta, {
          nowMs: this.options.now(),
        }).catch(() => null);
        if (skipped?.status === "advanced") this.#noteApplied(delta);
        const usd = delta.deltas.reduce((sum, entry) => sum + entry.usd, 0);
        this.options.log(
          `spend delta ${delta.node_id}#${delta.seq} given up after ${head.attempts} attempts` +
            `${skipped?.status === "advanced" ? `, $${usd} lost` : ""}: ${message}`,
        );
        return 0;
      }
      if (this.#failingSince === null) {
        this.#failingSince = Date.now();
        this.options.log(
          `spend delta ${delta.node_id}#${delta.seq} not applied, retrying${databaseUp ? "" : " (database unreachable)"}: ${message}`,
        );
      }
      const base = this.options.retryBaseMs ?? 100;
      return Math.min(2000, base * 2 ** (head.failures - 1));
    }
  }

  #noteApplied(delta: SpendDelta): void {
    this.#appliedSeq.set(
      delta.node_id,
      Math.max(delta.seq, this.#appliedSeq.get(delta.node_id) ?? 0),
    );
  }

  #done(head: Queued): void {
    if (this.#queue[0] === head) this.#queue.shift();
    this.#queuedKeys.delete(head.key);
  }

  #remember(alerts: string[]): void {
    if (this.#knownAlerts.size + alerts.length > MAX_KNOWN_ALERTS) this.#knownAlerts.clear();
    for (const alert of alerts) this.#knownAlerts.add(alert);
  }

  async #ping(): Promise<boolean> {
    try {
      await this.options.db.execute(sql`select 1`);
      return true;
    } catch {
      return false;
    }
  }

  #settleIdle(): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /** Sleeps for `ms` or until stopped, or (when idle) until a message arrives. */
  #sleep(ms: number, options: { untilMessage: boolean }): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => this.#interrupt?.(), ms) : null;
      this.#interrupt = () => {
        this.#interrupt = null;
        this.#wake = null;
        if (timer) clearTimeout(timer);
        resolve();
      };
      if (options.untilMessage) this.#wake = this.#interrupt;
    });
  }
}
