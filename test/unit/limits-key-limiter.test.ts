// The per-key limiter on a manual clock (docs/limits.md): the sliding window's count and the wait
// it answers with, tokens settled with real usage, and counts shared between nodes over the bus
// (the in-process bus, as the embedded default runs it; the fleet test runs NATS).
import { afterEach, describe, expect, test } from "bun:test";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { KeyLimiter, type LimitDecision } from "../../dataplane/limits/key-limiter.ts";
import { duration, limitHeaders } from "../../dataplane/limits/limit-headers.ts";
import { WINDOW_MS, waitMs } from "../../dataplane/limits/sliding-window.ts";
import { ManualClock } from "../support/manual-clock.ts";

/** A minute boundary, so tests say where in the window they are. */
const MINUTE = Date.UTC(2026, 0, 1, 12, 0, 0);
const RPM_2 = { requests: 2, tokens: null };

const refused = (decision: LimitDecision) => {
  if (decision.admitted) throw new Error("expected a refusal");
  return decision;
};

describe("the sliding window", () => {
  test("the previous minute's count fades as the window moves; the wait is until it fits", () => {
    // Two requests in the previous window, none in this one, 15 s in: 2 × 0.75 = 1.5 counted,
    // so one more fits once that falls to 1, 15 s later; at 30 s it fits at once.
    expect(waitMs(2, 0, 15_000, 1, 2)).toBe(15_000);
    expect(waitMs(2, 0, 30_000, 1, 2)).toBe(0);
    // Thirty seconds in, 2 × 0.5 + 1 = 2: full; the next one fits once the share falls to 1.
    expect(waitMs(2, 1, 30_000, 1, 2)).toBe(30_000);
    // Everything in the current window: it must become the previous one and fade by half.
    expect(waitMs(0, 2, 10_000, 1, 2)).toBe(50_000 + 30_000);
    expect(waitMs(0, 0, 0, 3, 2)).toBe(Number.POSITIVE_INFINITY);
  });

  test("OpenAI's reset durations", () => {
    expect(duration(250)).toBe("250ms");
    expect(duration(59_001)).toBe("1m0s");
    expect(duration(90_000)).toBe("1m30s");
    expect(duration(5_000)).toBe("5s");
  });
});

describe("one node", () => {
  test("refuses past the limit, without counting the refusal, and admits once it fits", async () => {
    const clock = new ManualClock(MINUTE + 29_000);
    const limiter = new KeyLimiter({ nodeId: "n1", now: () => clock.now() });
    expect(limiter.admit("key", RPM_2, 0).admitted).toBe(true);
    const second = limiter.admit("key", RPM_2, 0);
    expect(second.admitted && second.standing.requests?.remaining).toBe(0);
    const third = refused(limiter.admit("key", RPM_2, 0));
    expect(third.exceeded).toBe("requests");
    // Both count fully until the window ends in 31 s, then fade: one fits once half is gone.
    expect(third.retryAfterMs).toBe(31_000 + WINDOW_MS / 2);
    await clock.advance(third.retryAfterMs - 1);
    expect(limiter.admit("key", RPM_2, 0).admitted).toBe(false);
    await clock.advance(1);
    expect(limiter.admit("key", RPM_2, 0).admitted).toBe(true);
  });

  test("tokens: the estimate is counted at admission and replaced by the real usage", () => {
    const clock = new ManualClock(MINUTE);
    const limiter = new KeyLimiter({ nodeId: "n1", now: () => clock.now() });
    const limits = { requests: null, tokens: 1_000 };
    const first = limiter.admit("key", limits, 300);
    if (!first.admitted) throw new Error("refused");
    expect(first.standing.tokens?.remaining).toBe(700);
    // The answer used 900 tokens (its output counted after it ended).
    limiter.settle(first.ticket, 900);
    limiter.settle(first.ticket, 5_000); // once only
    const over = refused(limiter.admit("key", limits, 200));
    expect(over.exceeded).toBe("tokens");
    expect(over.standing.tokens?.remaining).toBe(100);
    expect(limiter.admit("key", limits, 100).admitted).toBe(true);
    // A request larger than the whole limit never fits: no wait would help, and it says tokens
    // even when the request limit refuses it too.
    expect(refused(limiter.admit("other", limits, 1_001)).retryAfterMs).toBe(
      Number.POSITIVE_INFINITY,
    );
    const both = { requests: 1, tokens: 1_000 };
    expect(limiter.admit("both", both, 10).admitted).toBe(true);
    const tooLarge = refused(limiter.admit("both", both, 1_001));
    expect(tooLarge.exceeded).toBe("tokens");
    expect(tooLarge.retryAfterMs).toBe(Number.POSITIVE_INFINITY);
  });

  test("headers in each surface's names", () => {
    const clock = new ManualClock(MINUTE + 10_000);
    const limiter = new KeyLimiter({ nodeId: "n1", now: () => clock.now() });
    const decision = limiter.admit("key", { requests: 5, tokens: 1_000 }, 40);
    expect(limitHeaders("openai", decision.standing)).toEqual({
      "x-ratelimit-limit-requests": "5",
      "x-ratelimit-remaining-requests": "4",
      "x-ratelimit-reset-requests": "1m50s",
      "x-ratelimit-limit-tokens": "1000",
      "x-ratelimit-remaining-tokens": "960",
      "x-ratelimit-reset-tokens": "1m50s",
    });
    expect(limitHeaders("anthropic", decision.standing)).toEqual({
      "anthropic-ratelimit-requests-limit": "5",
      "anthropic-ratelimit-requests-remaining": "4",
      "anthropic-ratelimit-requests-reset": "2026-01-01T12:02:00Z",
      "anthropic-ratelimit-tokens-limit": "1000",
      "anthropic-ratelimit-tokens-remaining": "960",
      "anthropic-ratelimit-tokens-reset": "2026-01-01T12:02:00Z",
    });
  });
});

describe("nodes sharing counts over the bus", () => {
  let bus: Bus;
  afterEach(() => bus?.close());

  const node = async (nodeId: string, clock: ManualClock) => {
    const limiter = new KeyLimiter({ nodeId, now: () => clock.now() });
    await bus.subscribeLimitUsage((usage) => limiter.applyPeerUsage(usage));
    return limiter;
  };
  /** The in-process bus delivers on a later turn, as NATS would. */
  const delivered = () => Bun.sleep(0);

  test("what one node admitted counts on the other once published", async () => {
    bus = createInProcessBus();
    const clock = new ManualClock(MINUTE + 5_000);
    const [first, second] = [await node("n1", clock), await node("n2", clock)];
    const limits = { requests: 3, tokens: null };
    expect(first.admit("key", limits, 0).admitted).toBe(true);
    expect(first.admit("key", limits, 0).admitted).toBe(true);
    // Before the publication the second node knows only its own count.
    expect(second.admit("key", limits, 0).admitted).toBe(true);
    await first.flush(bus);
    await second.flush(bus);
    await delivered();
    expect(refused(first.admit("key", limits, 0)).standing.requests?.remaining).toBe(0);
    expect(second.admit("key", limits, 0).admitted).toBe(false);
    // A node that starts later learns the totals from the next full refresh.
    const late = await node("n3", clock);
    await clock.advance(1_000);
    await first.flush(bus);
    await second.flush(bus);
    await delivered();
    expect(late.admit("key", limits, 0).admitted).toBe(false);
  });

  test("near the limit a node admits only its share of what is left until it hears again", async () => {
    bus = createInProcessBus();
    const clock = new ManualClock(MINUTE + 1_000);
    const [first, second] = [await node("n1", clock), await node("n2", clock)];
    const limits = { requests: 10, tokens: null };
    for (let request = 0; request < 6; request++)
      expect(first.admit("key", limits, 0).admitted).toBe(true);
    await first.flush(bus);
    await delivered();
    // Six of ten used on two nodes: this one may take half of the four left before it hears more.
    expect(second.admit("key", limits, 0).admitted).toBe(true);
    expect(second.admit("key", limits, 0).admitted).toBe(true);
    const waiting = refused(second.admit("key", limits, 0));
    expect(waiting.share).toBe(true);
    expect(waiting.standing.requests?.remaining).toBe(2);
    expect(waiting.retryAfterMs).toBe(1_000);
    // The first node's next count (one more request) gives it a new share: half of the one left.
    expect(first.admit("key", limits, 0).admitted).toBe(true);
    await first.flush(bus);
    await second.flush(bus);
    await delivered();
    expect(second.admit("key", limits, 0).admitted).toBe(true);
    expect(refused(second.admit("key", limits, 0)).share).toBe(false);
    await second.flush(bus);
    await delivered();
    expect(refused(first.admit("key", limits, 0)).standing.requests?.remaining).toBe(0);
  });

  test("a repeated or older message changes nothing; a restarted process counts beside its old self", async () => {
    bus = createInProcessBus();
    const clock = new ManualClock(MINUTE);
    const observer = await node("observer", clock);
    const usage = (instance: string, seq: number, requests: number) => ({
      node_id: "n1",
      instance,
      seq,
      usage: [{ key_id: "key", window_start: MINUTE, requests, tokens: 0 }],
    });
    const limits = { requests: 10, tokens: null };
    observer.applyPeerUsage(usage("a", 2, 6));
    observer.applyPeerUsage(usage("a", 2, 6));
    observer.applyPeerUsage(usage("a", 1, 1));
    observer.applyPeerUsage(usage("b", 1, 3));
    const decision = observer.admit("key", limits, 0);
    expect(decision.standing.requests?.remaining).toBe(10 - 6 - 3 - 1);
  });
});
