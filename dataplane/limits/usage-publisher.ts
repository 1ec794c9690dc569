// Sends this node's per-key counts to its peers over the bus, off the request path: the keys
// that changed soon after an admission (on a later turn of the event loop, at most one message
// every few milliseconds, so a busy node sends a batch, not a message per request), those changed
// since (settled tokens) every flush interval (100 ms), and every key counted in the last two
// windows once a second, so a peer that started late or missed a message catches up. Nothing is
// queued while the bus is away: totals are cumulative, the next publication carries them.
import type { Bus } from "#shared/bus/bus.ts";
import type { FleetCounts } from "./fleet-counts.ts";

/** Entries per message: well under NATS's default 1 MB payload. */
const MAX_ENTRIES = 2_000;
/** Least time between two publications asked for by admissions. */
const SOON_SPACING_MS = 5;

export interface PublisherOptions {
  nodeId: string;
  instance: string;
  now: () => number;
  flushIntervalMs?: number;
  refreshEveryMs?: number;
  log?: (message: string) => void;
}

export class UsagePublisher {
  private busSource: () => Bus | null = () => null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private soonTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSoonAt = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;
  private flushing = false;
  private failing = false;
  private readonly flushIntervalMs: number;
  private readonly refreshEveryMs: number;
  private readonly log: (message: string) => void;

  constructor(
    private readonly counts: FleetCounts,
    private readonly options: PublisherOptions,
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.refreshEveryMs = options.refreshEveryMs ?? 1_000;
    this.log = options.log ?? (() => {});
  }

  /** Publishes every flush interval until stopped; `bus` is read each time (it may come later). */
  start(bus: () => Bus | null): void {
    this.busSource = bus;
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(this.busSource()), this.flushIntervalMs);
  }

  async stop(bus: Bus | null): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = null;
    this.soonTimer = null;
    await this.flush(bus);
  }

  /** A count changed: the peers should hear it after the current turn, batched with others. */
  soon(): void {
    if (this.soonTimer !== null || this.timer === null) return;
    const wait = Math.max(0, this.lastSoonAt + SOON_SPACING_MS - performance.now());
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.lastSoonAt = performance.now();
      void this.flush(this.busSource());
    }, wait);
  }

  async flush(bus: Bus | null): Promise<void> {
    if (this.flushing || bus === null || !bus.isConnected()) return;
    this.flushing = true;
    try {
      const now = this.options.now();
      const refresh = now - this.lastRefreshAt >= this.refreshEveryMs;
      const entries = this.counts.ownTotals(now, refresh);
      if (refresh) {
        this.lastRefreshAt = now;
        this.counts.sweep(now);
      }
      for (let from = 0; from < entries.length; from += MAX_ENTRIES) {
        this.seq += 1;
        await bus.publishLimitUsage({
          node_id: this.options.nodeId,
          instance: this.options.instance,
          seq: this.seq,
          usage: entries.slice(from, from + MAX_ENTRIES),
        });
      }
      if (this.failing) {
        this.failing = false;
        this.log("limit counts reach the fleet again");
      }
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.log(`limit counts not sent (peers hear them later): ${(error as Error).message}`);
      }
    } finally {
      this.flushing = false;
    }
  }
}
