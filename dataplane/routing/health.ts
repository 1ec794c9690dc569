// Health per (provider, model), fed by real outcomes (pipeline step 8) and read by fallback
// and latency routing: EWMA latency, TTFT and error rate, a circuit breaker
// (closed → open → half-open → closed) and a recent-latency window for percentiles.
// In memory only, per data plane: no I/O, O(1) per record, no allocation after a key's first
// record except when a state changes.
import { LatencyWindow } from "./latency-window.ts";

export type FailureKind =
  | "rate_limited"
  | "overloaded"
  | "upstream_error"
  | "timeout"
  | "auth"
  | "unreachable";

export type CircuitState = "closed" | "open" | "half_open";

/** Metric names as in `latency_optimized.metric`. */
export type LatencyMetric = "p50" | "p95" | "ttft_p50";

/** `providerId + "\u0000" + model`; build once per candidate (e.g. when a snapshot compiles). */
export type HealthKey = string & { readonly __healthKey: unique symbol };

export function healthKey(providerId: string, model: string): HealthKey {
  return `${providerId}\u0000${model}` as HealthKey;
}

export function splitHealthKey(key: HealthKey): { providerId: string; model: string } {
  const separator = key.indexOf("\u0000");
  return { providerId: key.slice(0, separator), model: key.slice(separator + 1) };
}

export interface HealthOptions {
  /** Clock in milliseconds. Default `Date.now`. */
  now: () => number;
  /** EWMA weight of a new latency sample: `ewma += alpha * (sample - ewma)`. Default 0.2. */
  latencyAlpha: number;
  /** Same for time to first token. Default 0.2. */
  ttftAlpha: number;
  /** Same for the error rate, a sample being 1 (failure) or 0 (success). Default 0.1. */
  errorAlpha: number;
  /** Consecutive failures that open the circuit. Default 5. */
  consecutiveFailures: number;
  /** Error-rate EWMA at or above which the circuit opens... Default 0.5. */
  errorRateThreshold: number;
  /** ...once this many outcomes were recorded since the circuit last closed. Default 20. */
  minSamples: number;
  /** First cool-down before an open circuit lets a probe through. Default 10 s. */
  cooldownMs: number;
  /** Each failed probe multiplies the cool-down by this. Default 2. */
  cooldownMultiplier: number;
  /** Cap on the cool-down. Default 5 min. */
  maxCooldownMs: number;
  /** A probe with no outcome after this long is presumed lost; another may go. Default 30 s. */
  probeTimeoutMs: number;
  /** Latency samples kept per key for percentiles (see latency-window.ts). Default 256. */
  windowCapacity: number;
  /** Called synchronously on every state change; must not throw or block. */
  onStateChange: ((key: HealthKey, from: CircuitState, to: CircuitState) => void) | null;
}

export const DEFAULT_HEALTH_OPTIONS: Readonly<HealthOptions> = Object.freeze({
  now: Date.now,
  latencyAlpha: 0.2,
  ttftAlpha: 0.2,
  errorAlpha: 0.1,
  consecutiveFailures: 5,
  errorRateThreshold: 0.5,
  minSamples: 20,
  cooldownMs: 10_000,
  cooldownMultiplier: 2,
  maxCooldownMs: 300_000,
  probeTimeoutMs: 30_000,
  windowCapacity: 256,
  onStateChange: null,
});

export interface HealthSnapshot {
  state: CircuitState;
  /** Null until the first success (resp. the first success that reported a TTFT). */
  latencyEwmaMs: number | null;
  ttftEwmaMs: number | null;
  errorRate: number;
  /** Outcomes recorded since the tracker started. */
  samples: number;
  consecutiveFailures: number;
  /** When the circuit last opened; set while open or half-open. */
  openedAt?: number;
  /** Cool-down of the current opening; set while open or half-open. */
  cooldownMs?: number;
}

interface Entry {
  state: CircuitState;
  latencyEwma: number;
  ttftEwma: number;
  latencySamples: number;
  ttftSamples: number;
  errorRate: number;
  samples: number;
  samplesSinceClose: number;
  consecutiveFailures: number;
  openedAt: number;
  cooldownMs: number;
  /** Openings in a row without a successful close; drives the cool-down growth. */
  trips: number;
  /** When the half-open probe went out, or -1 when none is in flight. */
  probeSentAt: number;
  latency: LatencyWindow;
  ttft: LatencyWindow;
  /** Recent percentile answers, by `metric:windowS`; created on the first percentile read. */
  percentiles?: Map<string, { value: number | null; at: number; samples: number }>;
}

export interface SuccessSample {
  latencyMs: number;
  ttftMs?: number;
}

const QUANTILES: Record<LatencyMetric, number> = { p50: 0.5, p95: 0.95, ttft_p50: 0.5 };

const PERCENTILE_REUSE_MS = 1_000;

export class HealthTracker {
  private readonly options: HealthOptions;
  private readonly entries = new Map<HealthKey, Entry>();
  private readonly scratch: Float64Array;
  /** Until when (clock ms) an upstream asked not to be called again, from its `retry-after`. */
  private readonly retryAfterUntil = new Map<HealthKey, number>();

  constructor(options: Partial<HealthOptions> = {}) {
    this.options = { ...DEFAULT_HEALTH_OPTIONS, ...options };
    this.scratch = new Float64Array(this.options.windowCapacity);
  }

  recordSuccess(key: HealthKey, sample: SuccessSample): void {
    const entry = this.entry(key);
    const now = this.options.now();
    entry.latencyEwma = ewma(
      entry.latencyEwma,
      sample.latencyMs,
      this.options.latencyAlpha,
      entry.latencySamples++,
    );
    entry.latency.record(now, sample.latencyMs);
    if (sample.ttftMs !== undefined) {
      entry.ttftEwma = ewma(
        entry.ttftEwma,
        sample.ttftMs,
        this.options.ttftAlpha,
        entry.ttftSamples++,
      );
      entry.ttft.record(now, sample.ttftMs);
    }
    this.countOutcome(entry, 0);
    entry.consecutiveFailures = 0;
    // Any success while half-open proves the upstream is back, probe or not. A success
    // while open comes from a request sent before the circuit opened and changes nothing.
    if (entry.state === "half_open") this.close(key, entry);
  }

  /** Only upstream-side failures belong here; a client error says nothing about health. */
  recordFailure(key: HealthKey, _kind: FailureKind): void {
    const entry = this.entry(key);
    const now = this.options.now();
    this.countOutcome(entry, 1);
    entry.consecutiveFailures++;
    if (entry.state === "half_open") {
      this.open(key, entry, now);
    } else if (entry.state === "closed" && this.shouldTrip(entry)) {
      this.open(key, entry, now);
    }
  }

  /**
   * Whether a request may go to this key now. Closed: yes. Open: no until the cool-down
   * ends, then the circuit turns half-open. Half-open: yes exactly once (the probe), then
   * no until the probe's outcome is recorded or it times out.
   */
  allowRequest(key: HealthKey): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return true;
    const now = this.options.now();
    this.advance(key, entry, now);
    if (entry.state === "closed") return true;
    if (entry.state === "open") return false;
    if (entry.probeSentAt >= 0 && now - entry.probeSentAt < this.options.probeTimeoutMs) {
      return false;
    }
    entry.probeSentAt = now;
    return true;
  }

  /**
   * Honours an upstream's `retry-after`: routing skips this key until then (while another
   * candidate exists). Kept apart from the breaker, which counts the 429 as any failure.
   */
  recordRetryAfter(key: HealthKey, retryAfterMs: number): void {
    if (!(retryAfterMs > 0)) return;
    const until = this.options.now() + Math.min(retryAfterMs, this.options.maxCooldownMs);
    if ((this.retryAfterUntil.get(key) ?? 0) < until) this.retryAfterUntil.set(key, until);
  }

  /** Milliseconds left of a `retry-after` this key asked for; 0 when none. */
  retryAfterRemainingMs(key: HealthKey): number {
    const until = this.retryAfterUntil.get(key);
    if (until === undefined) return 0;
    const left = until - this.options.now();
    if (left > 0) return left;
    this.retryAfterUntil.delete(key);
    return 0;
  }

  /** Every (provider, model) with a recorded outcome (the circuit gauges of /metrics). */
  keys(): IterableIterator<HealthKey> {
    return this.entries.keys();
  }

  /** The current state without taking the half-open probe. */
  state(key: HealthKey): CircuitState {
    const entry = this.entries.get(key);
    if (entry === undefined) return "closed";
    this.advance(key, entry, this.options.now());
    return entry.state;
  }

  snapshot(key: HealthKey): HealthSnapshot {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return {
        state: "closed",
        latencyEwmaMs: null,
        ttftEwmaMs: null,
        errorRate: 0,
        samples: 0,
        consecutiveFailures: 0,
      };
    }
    this.advance(key, entry, this.options.now());
    const snapshot: HealthSnapshot = {
      state: entry.state,
      latencyEwmaMs: entry.latencySamples > 0 ? entry.latencyEwma : null,
      ttftEwmaMs: entry.ttftSamples > 0 ? entry.ttftEwma : null,
      errorRate: entry.errorRate,
      samples: entry.samples,
      consecutiveFailures: entry.consecutiveFailures,
    };
    if (entry.state !== "closed") {
      snapshot.openedAt = entry.openedAt;
      snapshot.cooldownMs = entry.cooldownMs;
    }
    return snapshot;
  }

  /**
   * Latency (`p50`, `p95`) or TTFT (`ttft_p50`) percentile in ms over the samples of the last
   * `windowS` seconds (at most `windowCapacity` of them); null when there are none.
   */
  percentile(key: HealthKey, metric: LatencyMetric, windowS: number): number | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    const now = this.options.now();
    const samples = metric === "ttft_p50" ? entry.ttftSamples : entry.latencySamples;
    // Sorting the window costs microseconds; a value is reused until a new sample arrives or
    // it is a second old (samples age out of the window).
    const cacheKey = `${metric}:${windowS}`;
    const cached = entry.percentiles?.get(cacheKey);
    if (cached && cached.samples === samples && now - cached.at < PERCENTILE_REUSE_MS)
      return cached.value;
    const window = metric === "ttft_p50" ? entry.ttft : entry.latency;
    const value = window.quantile(QUANTILES[metric], now - windowS * 1000, this.scratch);
    entry.percentiles ??= new Map();
    if (entry.percentiles.size < 8 || entry.percentiles.has(cacheKey))
      entry.percentiles.set(cacheKey, { value, at: now, samples });
    return value;
  }

  private entry(key: HealthKey): Entry {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = {
        state: "closed",
        latencyEwma: 0,
        ttftEwma: 0,
        latencySamples: 0,
        ttftSamples: 0,
        errorRate: 0,
        samples: 0,
        samplesSinceClose: 0,
        consecutiveFailures: 0,
        openedAt: 0,
        cooldownMs: 0,
        trips: 0,
        probeSentAt: -1,
        latency: new LatencyWindow(this.options.windowCapacity),
        ttft: new LatencyWindow(this.options.windowCapacity),
      };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private countOutcome(entry: Entry, failed: 0 | 1): void {
    entry.errorRate += this.options.errorAlpha * (failed - entry.errorRate);
    entry.samples++;
    entry.samplesSinceClose++;
  }

  private shouldTrip(entry: Entry): boolean {
    if (entry.consecutiveFailures >= this.options.consecutiveFailures) return true;
    return (
      entry.samplesSinceClose >= this.options.minSamples &&
      entry.errorRate >= this.options.errorRateThreshold
    );
  }

  /** Open → half-open once the cool-down has passed. */
  private advance(key: HealthKey, entry: Entry, now: number): void {
    if (entry.state === "open" && now - entry.openedAt >= entry.cooldownMs) {
      entry.probeSentAt = -1;
      this.transition(key, entry, "half_open");
    }
  }

  private open(key: HealthKey, entry: Entry, now: number): void {
    const { cooldownMs, cooldownMultiplier, maxCooldownMs } = this.options;
    entry.cooldownMs = Math.min(cooldownMs * cooldownMultiplier ** entry.trips, maxCooldownMs);
    entry.trips++;
    entry.openedAt = now;
    entry.probeSentAt = -1;
    this.transition(key, entry, "open");
  }

  private close(key: HealthKey, entry: Entry): void {
    entry.trips = 0;
    entry.samplesSinceClose = 0;
    entry.probeSentAt = -1;
    this.transition(key, entry, "closed");
  }

  private transition(key: HealthKey, entry: Entry, to: CircuitState): void {
    const from = entry.state;
    entry.state = to;
    this.options.onStateChange?.(key, from, to);
  }
}

/** The first sample seeds the average, so it does not start biased towards zero. */
function ewma(current: number, sample: number, alpha: number, previousSamples: number): number {
  return previousSamples === 0 ? sample : current + alpha * (sample - current);
}
