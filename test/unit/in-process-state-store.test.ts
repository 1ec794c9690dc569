// The embedded default's state store: retention and ttl on an injected clock, the memory cap with
// the least recently written values evicted first, and a closed bus refusing as an unreachable one.
import { describe, expect, test } from "bun:test";
import { BusUnavailableError } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import { type StateKey, StateValueTooLargeError } from "#shared/bus/state-store.ts";
import { ManualClock } from "../support/manual-clock.ts";

const response = (id: string): StateKey => ({ orgId: "org_a", namespace: "responses", id });
const cacheEntry = (id: string): StateKey => ({ orgId: "org_a", namespace: "cache", id });

describe("in-process state store", () => {
  test("a value expires after its namespace's retention; a put starts it again", async () => {
    const clock = new ManualClock(1_000_000);
    const store = new InProcessStateStore({
      now: () => clock.now(),
      retention: { responses: 60_000, cache: 1000 },
    });
    await store.put(response("resp_1"), { n: 1 });
    await store.put(cacheEntry("c_1"), { n: 2 });
    await clock.advance(999);
    expect(await store.get(cacheEntry("c_1"))).toEqual({ n: 2 });
    await clock.advance(1);
    expect(await store.get(cacheEntry("c_1"))).toBeNull();
    expect(await store.delete(cacheEntry("c_1"))).toBe(false);

    await clock.advance(58_000);
    await store.put(response("resp_1"), { n: 3 });
    await clock.advance(59_999);
    expect(await store.get(response("resp_1"))).toEqual({ n: 3 });
    await clock.advance(1);
    expect(await store.get(response("resp_1"))).toBeNull();
  });

  test("a put's ttl is kept when shorter than the retention and cut to it when longer", async () => {
    const clock = new ManualClock();
    const store = new InProcessStateStore({ now: () => clock.now(), retention: { cache: 10_000 } });
    await store.put(cacheEntry("short"), { n: 1 }, { ttlMs: 2000 });
    await store.put(cacheEntry("long"), { n: 2 }, { ttlMs: 3_600_000 });
    await clock.advance(1999);
    expect(await store.get(cacheEntry("short"))).toEqual({ n: 1 });
    await clock.advance(1);
    expect(await store.get(cacheEntry("short"))).toBeNull();
    await clock.advance(7999);
    expect(await store.get(cacheEntry("long"))).toEqual({ n: 2 });
    await clock.advance(1);
    expect(await store.get(cacheEntry("long"))).toBeNull();
  });

  test("expired values nobody reads again are swept, freeing their memory", async () => {
    const clock = new ManualClock();
    const store = new InProcessStateStore({ now: () => clock.now(), retention: { cache: 1000 } });
    for (let index = 0; index < 10; index++) await store.put(cacheEntry(`c_${index}`), { index });
    expect(store.bytes).toBeGreaterThan(0);
    await clock.advance(120_000);
    await store.put(response("resp_1"), { kept: true });
    expect(store.bytes).toBe(Buffer.byteLength(JSON.stringify({ kept: true })));
  });

  test("over the memory cap the least recently written values go first", async () => {
    // Each value is 100 bytes of JSON; the cap holds three.
    const value = (tag: string) => ({ tag, pad: "x".repeat(100 - 19 - tag.length) });
    expect(Buffer.byteLength(JSON.stringify(value("a")))).toBe(100);
    const store = new InProcessStateStore({ maxBytes: 300 });
    await store.put(response("a"), value("a"));
    await store.put(response("b"), value("b"));
    await store.put(response("c"), value("c"));
    // Rewriting a makes b the least recently written.
    await store.put(response("a"), value("a"));
    await store.put(response("d"), value("d"));
    expect(await store.get(response("b"))).toBeNull();
    for (const tag of ["a", "c", "d"]) expect(await store.get(response(tag))).toEqual(value(tag));
    expect(store.bytes).toBe(300);
  });

  test("a value larger than the cap is refused and evicts nothing", async () => {
    const store = new InProcessStateStore({ maxBytes: 1000 });
    await store.put(response("kept"), { small: true });
    const refusal = await store.put(response("huge"), { pad: "x".repeat(2000) }).catch((e) => e);
    expect(refusal).toBeInstanceOf(StateValueTooLargeError);
    expect((refusal as StateValueTooLargeError).limit).toBe(1000);
    expect(await store.get(response("kept"))).toEqual({ small: true });
  });

  test("the bus's store takes its options, and refuses like an unreachable bus once closed", async () => {
    const clock = new ManualClock();
    const bus = createInProcessBus({
      state: { now: () => clock.now(), retention: { responses: 5000 } },
    });
    await bus.state.put(response("resp_1"), { n: 1 });
    await clock.advance(5000);
    expect(await bus.state.get(response("resp_1"))).toBeNull();
    await bus.state.put(response("resp_2"), { n: 2 });
    await bus.close();
    await expect(bus.state.get(response("resp_2"))).rejects.toBeInstanceOf(BusUnavailableError);
    await expect(bus.state.put(response("resp_2"), { n: 3 })).rejects.toBeInstanceOf(
      BusUnavailableError,
    );
  });
});
