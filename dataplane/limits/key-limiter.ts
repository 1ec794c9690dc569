// Per-key request and token limits at admission (docs/limits.md): a sliding-window counter per
// key over this node's counts and its peers' last published ones, checked and counted without a
// round trip; each admission asks for the counts to be published soon (coalesced, off the path). A request refused is not counted; one admitted counts one request and its estimated
// input tokens, and its tokens are settled with the real usage when it ends. Keys without limits
// never reach this class.
import type { Bus } from "#shared/bus/bus.ts";
import type { LimitUsage } from "#shared/bus/envelopes.ts";
import { FleetCounts, type KeyUsage } from "./fleet-counts.ts";
import { resetMs, slidingCount, WINDOW_MS, waitMs, windowStartOf } from "./sliding-window.ts";
import { UsagePublisher } from "./usage-publisher.ts";

/** A key's limits per minute as the snapshot sets them (its own, else its project's default). */
export interface KeyLimits {
  requests: number | null;
  tokens: number | null;
}

export interface LimitState {
  limit: number;
  /** What is left in the last minute after this request. */
  remaining: number;
  /** Milliseconds until nothing is counted any more, if nothing else is admitted. */
  resetMs: number;
}

/** Where a key stands: what the response headers say. */
export interface LimitStanding {
  requests: LimitState | null;
  tokens: LimitState | null;
  nowMs: number;
}

/** An admitted request's count, to settle with its real tokens when it ends. */
export interface LimitTicket {
  readonly usage: KeyUsage;
  readonly windowStart: number;
  readonly tokens: number;
  settled: boolean;
}

export type LimitDecision =
  | { admitted: true; standing: LimitStanding; ticket: LimitTicket }
  | {
      admitted: false;
      standing: LimitStanding;
      /** The limit that refused: requests first when both did, unless the request never fits. */
      exceeded: "requests" | "tokens";
      /** Infinity when the request alone is more than the limit. */
      retryAfterMs: number;
      /** Refused by this node's share of what the fleet has left, not by the count itself. */
      share: boolean;
    };

export interface KeyLimiterOptions {
  nodeId: string;
  now?: () => number;
  flushIntervalMs?: number;
  log?: (message: string) => void;
}

/** From this share of a limit on, a node with peers admits only its share of what is left. */
const URGENT_SHARE = 0.5;
/** A share is worked out again at least this often, even when no peer speaks (a peer gone). */
const SHARE_REFRESH_MS = 1_000;

export class KeyLimiter {
  private readonly now: () => number;
  private readonly counts: FleetCounts;
  private readonly publisher: UsagePublisher;

  constructor(options: KeyLimiterOptions) {
    this.now = options.now ?? Date.now;
    // A restarted node counts beside what its peers heard from it before, not over it.
    const instance = crypto.randomUUID().slice(0, 8);
    this.counts = new FleetCounts(options.nodeId, instance);
    this.publisher = new UsagePublisher(this.counts, {
      nodeId: options.nodeId,
      instance,
      now: this.now,
      ...(options.flushIntervalMs !== undefined
        ? { flushIntervalMs: options.flushIntervalMs }
        : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /** Checks one request of `tokens` estimated tokens against the key's limits and counts it. */
  admit(keyId: string, limits: KeyLimits, tokens: number): LimitDecision {
    const nowMs = this.now();
    const start = windowStartOf(nowMs);
    const elapsed = nowMs - start;
    const usage = this.counts.usage(keyId);
    const previousRequests = usage.total(start - WINDOW_MS, "requests");
    const currentRequests = usage.total(start, "requests");
    const previousTokens = usage.total(start - WINDOW_MS, "tokens");
    const currentTokens = usage.total(start, "tokens");
    const requestWait =
      limits.requests === null
        ? 0
        : waitMs(previousRequests, currentRequests, elapsed, 1, limits.requests);
    const tokenWait =
      limits.tokens === null
        ? 0
        : waitMs(previousTokens, currentTokens, elapsed, tokens, limits.tokens);
    const shareLeft =
      limits.requests === null || requestWait > 0
        ? Number.POSITIVE_INFINITY
        : this.shareLeft(usage, limits.requests, previousRequests, currentRequests, nowMs);
    const admitted = requestWait === 0 && tokenWait === 0 && shareLeft >= 1;
    const standing: LimitStanding = {
      requests:
        limits.requests === null
          ? null
          : state(limits.requests, previousRequests, currentRequests + (admitted ? 1 : 0), elapsed),
      tokens:
        limits.tokens === null
          ? null
          : state(limits.tokens, previousTokens, currentTokens + (admitted ? tokens : 0), elapsed),
      nowMs,
    };
    if (!admitted) {
      const share = requestWait === 0 && tokenWait === 0;
      return {
        admitted: false,
        standing,
        // A request larger than the whole token limit is named as that, whatever else refused it.
        exceeded:
          tokenWait === Number.POSITIVE_INFINITY || (!share && requestWait === 0)
            ? "tokens"
            : "requests",
        retryAfterMs: share
          ? Math.max(1, SHARE_REFRESH_MS - (nowMs - usage.shareAt))
          : Math.max(requestWait, tokenWait),
        share,
      };
    }
    if (Number.isFinite(shareLeft)) usage.share -= 1;
    const slot = usage.local.open(start);
    slot.requests += 1;
    slot.tokens += tokens;
    this.counts.changed.add(usage);
    this.publisher.soon();
    return {
      admitted: true,
      standing,
      ticket: { usage, windowStart: start, tokens, settled: false },
    };
  }

  /**
   * Near the limit, with peers counting the same key, this node admits at most its share of what
   * the fleet has left (what is left over the nodes counting it) until a peer's counts arrive or a
   * second passes: a count that is slow to arrive then makes a node refuse early instead of
   * admitting past the limit (docs/limits.md, "Across a fleet"). Infinity when no share applies.
   */
  private shareLeft(
    usage: KeyUsage,
    limit: number,
    previous: number,
    current: number,
    nowMs: number,
  ): number {
    const used = slidingCount(previous, current, nowMs - windowStartOf(nowMs));
    if (used + 1 <= limit * URGENT_SHARE) return Number.POSITIVE_INFINITY;
    const peers = usage.activePeers(windowStartOf(nowMs));
    if (peers === 0) return Number.POSITIVE_INFINITY;
    if (Number.isNaN(usage.share) || nowMs - usage.shareAt >= SHARE_REFRESH_MS) {
      usage.share = Math.max(1, Math.floor((limit - used) / (peers + 1)));
      usage.shareAt = nowMs;
    }
    return usage.share;
  }

  /** Replaces an admitted request's estimated tokens with what it really used (once). */
  settle(ticket: LimitTicket, tokens: number): void {
    if (ticket.settled) return;
    ticket.settled = true;
    const slot = ticket.usage.local.slot(ticket.windowStart);
    if (slot === undefined || tokens === ticket.tokens) return;
    slot.tokens = Math.max(0, slot.tokens + tokens - ticket.tokens);
    this.counts.changed.add(ticket.usage);
  }

  /** Counts a peer published on the bus. */
  applyPeerUsage(message: LimitUsage): void {
    this.counts.applyPeer(message, this.now());
  }

  /** Starts publishing this node's counts; `bus` is read each time (it may come later). */
  start(bus: () => Bus | null): void {
    this.publisher.start(bus);
  }

  stop(bus: Bus | null): Promise<void> {
    return this.publisher.stop(bus);
  }

  /** Publishes what changed now (tests; the timer does it otherwise). */
  flush(bus: Bus | null): Promise<void> {
    return this.publisher.flush(bus);
  }

  /** Keys this node holds counts for (tests and metrics: keys without limits never add one). */
  trackedKeys(): number {
    return this.counts.keys.size;
  }
}

function state(limit: number, previous: number, current: number, elapsedMs: number): LimitState {
  return {
    limit,
    remaining: Math.max(0, Math.floor(limit - slidingCount(previous, current, elapsedMs) + 1e-9)),
    resetMs: resetMs(previous, current, elapsedMs),
  };
}
