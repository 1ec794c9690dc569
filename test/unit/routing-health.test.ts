import { describe, expect, test } from "bun:test";
import {
  type CircuitState,
  type HealthOptions,
  HealthTracker,
  healthKey,
  splitHealthKey,
} from "../../dataplane/routing/health.ts";

const key = healthKey("prov_1", "gpt-4o-mini");
const other = healthKey("prov_2", "claude-haiku-4-5");

function setup(options: Partial<HealthOptions> = {}) {
  const clock = { now: 1_000_000 };
  const changes: Array<[string, CircuitState, CircuitState]> = [];
  const tracker = new HealthTracker({
    now: () => clock.now,
    onStateChange: (changed, from, to) => changes.push([changed, from, to]),
    ...options,
  });
  return { clock, changes, tracker };
}

function fail(tracker: HealthTracker, times: number, target = key): void {
  for (let i = 0; i < times; i++) tracker.recordFailure(target, "upstream_error");
}

describe("HealthTracker: EWMA", () => {
  test("the first sample seeds latency and TTFT, later ones move by alpha", () => {
    const { tracker } = setup({ latencyAlpha: 0.5, ttftAlpha: 0.25 });
    tracker.recordSuccess(key, { latencyMs: 100, ttftMs: 40 });
    expect(tracker.snapshot(key)).toMatchObject({ latencyEwmaMs: 100, ttftEwmaMs: 40 });
    tracker.recordSuccess(key, { latencyMs: 200, ttftMs: 80 });
    // 100 + 0.5 × (200 − 100); 40 + 0.25 × (80 − 40)
    expect(tracker.snapshot(key)).toMatchObject({ latencyEwmaMs: 150, ttftEwmaMs: 50 });
    tracker.recordSuccess(key, { latencyMs: 50 });
    // no TTFT reported (e.g. not streamed): the TTFT average stays put
    expect(tracker.snapshot(key)).toMatchObject({ latencyEwmaMs: 100, ttftEwmaMs: 50, samples: 3 });
  });

  test("TTFT stays null until a success reports one", () => {
    const { tracker } = setup();
    tracker.recordSuccess(key, { latencyMs: 10 });
    expect(tracker.snapshot(key).ttftEwmaMs).toBeNull();
  });

  test("error rate is an EWMA of 1 per failure and 0 per success", () => {
    const { tracker } = setup({ errorAlpha: 0.5 });
    tracker.recordFailure(key, "timeout"); // 0.5
    tracker.recordFailure(key, "overloaded"); // 0.75
    tracker.recordSuccess(key, { latencyMs: 10 }); // 0.375
    const snapshot = tracker.snapshot(key);
    expect(snapshot.errorRate).toBeCloseTo(0.375, 10);
    expect(snapshot.samples).toBe(3);
    expect(snapshot.consecutiveFailures).toBe(0);
  });

  test("an unknown key is closed, allowed and empty, and keys are independent", () => {
    const { tracker } = setup();
    expect(tracker.allowRequest(key)).toBe(true);
    expect(tracker.snapshot(key)).toEqual({
      state: "closed",
      latencyEwmaMs: null,
      ttftEwmaMs: null,
      errorRate: 0,
      samples: 0,
      consecutiveFailures: 0,
    });
    fail(tracker, 5, other);
    expect(tracker.state(other)).toBe("open");
    expect(tracker.state(key)).toBe("closed");
    expect(splitHealthKey(other)).toEqual({ providerId: "prov_2", model: "claude-haiku-4-5" });
  });
});

describe("HealthTracker: circuit breaker", () => {
  test("opens after N consecutive failures; a success resets the count", () => {
    const { tracker, changes } = setup({ consecutiveFailures: 3 });
    fail(tracker, 2);
    tracker.recordSuccess(key, { latencyMs: 10 });
    fail(tracker, 2);
    expect(tracker.state(key)).toBe("closed");
    fail(tracker, 1);
    expect(tracker.snapshot(key)).toMatchObject({ state: "open", openedAt: 1_000_000 });
    expect(tracker.allowRequest(key)).toBe(false);
    expect(changes).toEqual([[key, "closed", "open"]]);
  });

  test("opens on error rate only once the minimum sample is reached", () => {
    const { tracker } = setup({
      consecutiveFailures: 100,
      errorAlpha: 0.5,
      errorRateThreshold: 0.6,
      minSamples: 6,
    });
    // alternating failure/success keeps the rate between ~0.33 and ~0.67
    for (let i = 0; i < 2; i++) {
      tracker.recordFailure(key, "rate_limited");
      tracker.recordSuccess(key, { latencyMs: 10 });
    }
    tracker.recordFailure(key, "rate_limited"); // 5 samples, rate ≈ 0.67 ≥ 0.6
    expect(tracker.state(key)).toBe("closed");
    tracker.recordSuccess(key, { latencyMs: 10 });
    tracker.recordFailure(key, "rate_limited"); // 7 samples, rate ≈ 0.67
    expect(tracker.state(key)).toBe("open");
  });

  test("open → half-open after the cool-down; one probe; success closes", () => {
    const { tracker, clock, changes } = setup({ consecutiveFailures: 2, cooldownMs: 1_000 });
    fail(tracker, 2);
    clock.now += 999;
    expect(tracker.allowRequest(key)).toBe(false);
    clock.now += 1;
    expect(tracker.state(key)).toBe("half_open"); // peeking does not take the probe
    expect(tracker.allowRequest(key)).toBe(true);
    expect(tracker.allowRequest(key)).toBe(false);
    expect(tracker.allowRequest(key)).toBe(false);
    tracker.recordSuccess(key, { latencyMs: 10 });
    expect(tracker.state(key)).toBe("closed");
    expect(tracker.allowRequest(key)).toBe(true);
    expect(tracker.allowRequest(key)).toBe(true);
    expect(tracker.snapshot(key).openedAt).toBeUndefined();
    expect(changes.map(([, from, to]) => `${from}>${to}`)).toEqual([
      "closed>open",
      "open>half_open",
      "half_open>closed",
    ]);
  });

  test("a failed probe re-opens with a longer cool-down, capped; closing resets it", () => {
    const { tracker, clock } = setup({
      consecutiveFailures: 1,
      cooldownMs: 1_000,
      cooldownMultiplier: 2,
      maxCooldownMs: 5_000,
    });
    const cooldowns: number[] = [];
    fail(tracker, 1);
    for (let i = 0; i < 5; i++) {
      const { cooldownMs } = tracker.snapshot(key);
      cooldowns.push(cooldownMs as number);
      clock.now += cooldownMs as number;
      expect(tracker.allowRequest(key)).toBe(true);
      fail(tracker, 1);
      expect(tracker.snapshot(key)).toMatchObject({ state: "open", openedAt: clock.now });
    }
    expect(cooldowns).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);

    clock.now += 5_000;
    expect(tracker.allowRequest(key)).toBe(true);
    tracker.recordSuccess(key, { latencyMs: 10 });
    fail(tracker, 1);
    expect(tracker.snapshot(key).cooldownMs).toBe(1_000);
  });

  test("a lost probe lets another through after the probe timeout", () => {
    const { tracker, clock } = setup({
      consecutiveFailures: 1,
      cooldownMs: 1_000,
      probeTimeoutMs: 500,
    });
    fail(tracker, 1);
    clock.now += 1_000;
    expect(tracker.allowRequest(key)).toBe(true);
    clock.now += 499;
    expect(tracker.allowRequest(key)).toBe(false);
    clock.now += 1;
    expect(tracker.allowRequest(key)).toBe(true);
  });

  test("outcomes of requests sent before the circuit opened do not move an open circuit", () => {
    const { tracker, clock } = setup({ consecutiveFailures: 1, cooldownMs: 1_000 });
    fail(tracker, 1);
    tracker.recordSuccess(key, { latencyMs: 10 });
    expect(tracker.state(key)).toBe("open");
    fail(tracker, 3);
    expect(tracker.snapshot(key)).toMatchObject({ state: "open", cooldownMs: 1_000 });
    clock.now += 1_000;
    expect(tracker.state(key)).toBe("half_open");
  });

  test("after closing, the error-rate rule waits for a fresh minimum sample", () => {
    const { tracker, clock } = setup({
      consecutiveFailures: 100,
      errorAlpha: 0.5,
      errorRateThreshold: 0.5,
      minSamples: 4,
      cooldownMs: 1_000,
    });
    fail(tracker, 4);
    expect(tracker.state(key)).toBe("open");
    clock.now += 1_000;
    tracker.allowRequest(key);
    tracker.recordSuccess(key, { latencyMs: 10 }); // closes, rate ≈ 0.47
    fail(tracker, 1); // rate ≈ 0.73, but only 1 sample since closing
    expect(tracker.state(key)).toBe("closed");
  });
});

describe("HealthTracker: percentiles over a window", () => {
  test("p50 and p95 by nearest rank over the samples in the window", () => {
    const { tracker, clock } = setup();
    for (let latency = 1; latency <= 100; latency++) {
      tracker.recordSuccess(key, { latencyMs: latency, ttftMs: latency / 10 });
      clock.now += 100;
    }
    expect(tracker.percentile(key, "p50", 60)).toBe(50);
    expect(tracker.percentile(key, "p95", 60)).toBe(95);
    expect(tracker.percentile(key, "ttft_p50", 60)).toBe(5);
  });

  test("samples older than window_s drop out", () => {
    const { tracker, clock } = setup();
    tracker.recordSuccess(key, { latencyMs: 1_000 });
    clock.now += 30_000;
    tracker.recordSuccess(key, { latencyMs: 10 });
    tracker.recordSuccess(key, { latencyMs: 20 });
    expect(tracker.percentile(key, "p95", 60)).toBe(1_000);
    expect(tracker.percentile(key, "p95", 10)).toBe(20);
    clock.now += 20_000;
    expect(tracker.percentile(key, "p50", 10)).toBeNull();
    expect(tracker.percentile(other, "p50", 10)).toBeNull();
    expect(tracker.percentile(key, "ttft_p50", 60)).toBeNull();
  });

  test("the ring keeps only the last windowCapacity samples", () => {
    const { tracker } = setup({ windowCapacity: 4 });
    for (const latency of [500, 600, 1, 2, 3, 4])
      tracker.recordSuccess(key, { latencyMs: latency });
    expect(tracker.percentile(key, "p95", 60)).toBe(4);
    expect(tracker.percentile(key, "p50", 60)).toBe(2);
  });
});
