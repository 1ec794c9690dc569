// Failed authentications per client address (issue 14.9), on an injected clock: an address that
// spent its burst is refused until it earns a token back, others are not affected, and the table
// stays within its size.
import { describe, expect, test } from "bun:test";
import { addressKey, FailureLimiter } from "#shared/http/failure-limiter.ts";

function limiter(options: { burst?: number; perMinute?: number; capacity?: number } = {}) {
  let now = 1_000_000;
  const table = new FailureLimiter({
    burst: options.burst ?? 3,
    perMinute: options.perMinute ?? 6, // one token back every 10 s
    capacity: options.capacity ?? 100,
    now: () => now,
  });
  return { table, advance: (ms: number) => (now += ms) };
}

describe("failure limiter", () => {
  test("an address is refused once its burst is spent; another is not", () => {
    const { table } = limiter();
    expect(table.retryAfterSeconds("203.0.113.7")).toBe(0);
    table.fail("203.0.113.7");
    table.fail("203.0.113.7");
    expect(table.retryAfterSeconds("203.0.113.7")).toBe(0);
    table.fail("203.0.113.7");
    expect(table.retryAfterSeconds("203.0.113.7")).toBe(10);
    expect(table.retryAfterSeconds("198.51.100.4")).toBe(0);
  });

  test("tokens come back with time, one per 60/perMinute seconds", () => {
    const { table, advance } = limiter();
    for (let index = 0; index < 3; index++) table.fail("a");
    advance(4_000);
    expect(table.retryAfterSeconds("a")).toBe(6);
    advance(6_000);
    expect(table.retryAfterSeconds("a")).toBe(0);
    table.fail("a");
    expect(table.retryAfterSeconds("a")).toBe(10);
    // A long quiet refills the burst, no more.
    advance(3_600_000);
    for (let index = 0; index < 2; index++) table.fail("a");
    expect(table.retryAfterSeconds("a")).toBe(0);
    table.fail("a");
    expect(table.retryAfterSeconds("a")).toBeGreaterThan(0);
  });

  test("a full table forgets refilled addresses first, then the oldest failure", () => {
    const { table, advance } = limiter({ capacity: 2 });
    for (let index = 0; index < 3; index++) table.fail("old");
    advance(60_000); // "old" is whole again
    for (let index = 0; index < 3; index++) table.fail("blocked");
    table.fail("new");
    expect(table.size).toBe(2);
    expect(table.retryAfterSeconds("blocked")).toBeGreaterThan(0);
    table.fail("newer");
    expect(table.size).toBe(2);
    // "blocked" failed longest ago of the two left, so it went.
    expect(table.retryAfterSeconds("blocked")).toBe(0);
  });

  test("addresses are counted per IPv4 address and per IPv6 /64", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("2001:db8:0:1::5")).toBe("2001:db8:0:1::/64");
    expect(addressKey("2001:0db8:0000:0001:ffff:1:2:3")).toBe("2001:db8:0:1::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
  });
});
