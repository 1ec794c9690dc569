// Broadcasts the fleet's budget totals (DESIGN §7, §8): the current-period spend of every
// enabled budget and the highest seq applied per node, read in one snapshot so a node can tell
// which of its messages the totals already hold. Sent at most every `intervalMs` while spend
// changes, and every `heartbeatMs` regardless: data planes judge staleness by the age of the
// last state, so a control plane that cannot read its totals stops sending and they notice.
import { and, eq, gt, sql } from "drizzle-orm";
import { periodKey } from "#shared/budgets/period.ts";
import type { Bus } from "#shared/bus/bus.ts";
import type { BudgetState } from "#shared/bus/envelopes.ts";
import type { Database } from "../db/client.ts";
import { budgetSpend, budgets, spendNodeCursors } from "../db/schema/index.ts";
import { currentWindow } from "./current-period.ts";

export interface BudgetBroadcasterOptions {
  db: Database;
  bus: Bus;
  /** The clock periods are judged by. */
  now: () => number;
  log: (message: string) => void;
  intervalMs: number;
  heartbeatMs: number;
  /** Wall-clock time and timers that space the broadcasts; tests step a manual one. */
  scheduler?: BroadcastScheduler;
}

export interface BroadcastScheduler {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realScheduler: BroadcastScheduler = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Nodes that sent nothing for this long are left out of `applied`; they have nothing pending. */
const APPLIED_WINDOW_MS = 24 * 60 * 60 * 1000;

// A bound on how far back a budget's current period can start; the exact match is made in TS
// with the same windows the data planes use. Months are at most 31 days.
const periodSeconds = sql`case
  when ${budgets.period} = 'daily' then 86400
  when ${budgets.period} = 'weekly' then 604800
  when ${budgets.period} = 'monthly' then 2678400
  else greatest(1, coalesce(${budgets.custom_period_seconds}, 86400)) end`;

/** Totals and applied seqs as of one database snapshot. */
export async function readBudgetTotals(
  db: Database,
  nowMs: number,
): Promise<Omit<BudgetState, "version">> {
  return db.transaction(
    async (transaction) => {
      const cursors = await transaction
        .select({ node_id: spendNodeCursors.node_id, last_seq: spendNodeCursors.last_seq })
        .from(spendNodeCursors)
        .where(gt(spendNodeCursors.updated_at, new Date(nowMs - APPLIED_WINDOW_MS)));
      const rows = await transaction
        .select({
          id: budgets.id,
          period: budgets.period,
          custom_period_seconds: budgets.custom_period_seconds,
          period_anchor: budgets.period_anchor,
          period_start: budgetSpend.period_start,
          spend_usd: budgetSpend.spend_usd,
        })
        .from(budgets)
        .innerJoin(budgetSpend, eq(budgetSpend.budget_id, budgets.id))
        .where(
          and(
            eq(budgets.enabled, true),
            sql`${budgetSpend.period_start} > ${new Date(nowMs).toISOString()}::timestamptz - ${periodSeconds} * interval '1 second'`,
          ),
        );
      const totals: BudgetState["totals"] = [];
      for (const row of rows) {
        const startMs = currentWindow(row, nowMs).startMs;
        if (row.period_start.getTime() !== startMs || row.spend_usd <= 0) continue;
        totals.push({ budget_id: row.id, period_start: periodKey(startMs), usd: row.spend_usd });
      }
      const applied: Record<string, number> = {};
      for (const cursor of cursors) applied[cursor.node_id] = cursor.last_seq;
      return { totals, applied };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

export class BudgetBroadcaster {
  #timer: unknown = null;
  #running: Promise<void> | null = null;
  #changed = false;
  #lastStartedAt = 0;
  #version = 0;
  #stopped = false;
  #failingSince: number | null = null;

  readonly #scheduler: BroadcastScheduler;

  constructor(readonly options: BudgetBroadcasterOptions) {
    this.#scheduler = options.scheduler ?? realScheduler;
  }

  /** Sends the first state now, then keeps to the intervals. */
  start(): void {
    this.#changed = true;
    this.#schedule();
  }

  /** Spend changed: send within `intervalMs` of the last broadcast. */
  markChanged(): void {
    this.#changed = true;
    this.#schedule();
  }

  /** Sends a state now (after any broadcast in progress). */
  async broadcastNow(): Promise<void> {
    while (this.#running) await this.#running;
    if (this.#stopped) return;
    if (this.#timer) this.#scheduler.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#broadcast();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#scheduler.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped || this.#running) return;
    const dueAt =
      this.#lastStartedAt + (this.#changed ? this.options.intervalMs : this.options.heartbeatMs);
    if (this.#timer) this.#scheduler.clearTimeout(this.#timer);
    this.#timer = this.#scheduler.setTimeout(
      () => {
        this.#timer = null;
        void this.#broadcast();
      },
      Math.max(0, dueAt - this.#scheduler.now()),
    );
  }

  #broadcast(): Promise<void> {
    this.#running = this.#broadcastOnce().finally(() => {
      this.#running = null;
      this.#schedule();
    });
    return this.#running;
  }

  async #broadcastOnce(): Promise<void> {
    this.#lastStartedAt = this.#scheduler.now();
    // Cleared before reading: a change applied while reading makes another broadcast.
    this.#changed = false;
    try {
      const read = await readBudgetTotals(this.options.db, this.options.now());
      // Above every earlier version, from this process or another control plane, across restarts.
      this.#version = Math.max(this.#version + 1, this.#scheduler.now());
      await this.options.bus.publishBudgetState({ version: this.#version, ...read });
      if (this.#failingSince !== null) {
        this.options.log(
          `budget state broadcast again after ${this.#scheduler.now() - this.#failingSince} ms`,
        );
        this.#failingSince = null;
      }
    } catch (error) {
      // Tried again after the short interval, not the heartbeat.
      this.#changed = true;
      if (this.#failingSince === null) {
        this.#failingSince = this.#scheduler.now();
        this.options.log(`budget state not broadcast: ${(error as Error).message}`);
      }
    }
  }
}
