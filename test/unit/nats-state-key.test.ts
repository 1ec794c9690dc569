// How the NATS state store names and wraps a value: every (org, id) pair, whatever it holds, is a
// valid KV key of its own, and the stored envelope is read as version 1 wrote it.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readEnvelope } from "#shared/bus/nats-state-envelope.ts";
import { natsStateKey } from "#shared/bus/nats-state-key.ts";
import type { StateKey } from "#shared/bus/state-store.ts";

// What JetStream KV accepts as a key (@nats-io/kv validates with this), no empty token.
const VALID_KV_KEY = /^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$/;
const key = (orgId: string, id: string): StateKey => ({ orgId, namespace: "responses", id });

describe("NATS state keys", () => {
  test("any org and id make a valid KV key; two different pairs never the same one", () => {
    const anyString = fc.oneof(
      // Any code points, lone surrogates included (fast-check's "binary" unit is slow to start).
      fc
        .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 130 })
        .map((codes) => String.fromCodePoint(...codes)),
      fc.string({ maxLength: 20 }),
      fc.constantFrom("", ".", "*", ">", "a.b", "\uD800", "\uDC00", "x".repeat(97)),
    );
    fc.assert(
      fc.property(anyString, anyString, anyString, anyString, (orgA, idA, orgB, idB) => {
        const first = natsStateKey(key(orgA, idA));
        const same = orgA === orgB && idA === idB;
        return VALID_KV_KEY.test(first) && (same || natsStateKey(key(orgB, idB)) !== first);
      }),
      { numRuns: 500 },
    );
  });

  test("an id never lends its dots to the org part", () => {
    expect(natsStateKey(key("org_a", "x.y"))).not.toBe(natsStateKey(key("org_a.x", "y")));
    expect(natsStateKey(key("org_a", "x.y")).split(".")).toHaveLength(2);
  });
});

describe("NATS state envelope", () => {
  const stored = key("org_a", "resp_1");

  test("reads version 1 as written: an inline value and an object pointer", () => {
    const inline =
      '{"v":1,"org_id":"org_a","id":"resp_1","expires_at":1767225600000,"value":{"a":[1,2]}}';
    expect(readEnvelope(stored, inline)).toEqual({
      kind: "inline",
      expiresAt: 1_767_225_600_000,
      value: { a: [1, 2] },
    });
    const pointer =
      '{"v":1,"org_id":"org_a","id":"resp_1","expires_at":1767225600000,"object":"bb3JnX2E.bcmVzcF8x.N1"}';
    expect(readEnvelope(stored, pointer)).toEqual({
      kind: "object",
      expiresAt: 1_767_225_600_000,
      object: "bb3JnX2E.bcmVzcF8x.N1",
    });
  });

  test("reads a newer writer's envelope leniently, ignoring fields it does not know", () => {
    const newer =
      '{"v":2,"org_id":"org_a","id":"resp_1","expires_at":1,"value":"v","compressed":false}';
    expect(readEnvelope(stored, newer)).toEqual({ kind: "inline", expiresAt: 1, value: "v" });
  });

  test("answers nothing for another key's envelope, a foreign write, or one without a value", () => {
    const otherOrg = '{"v":1,"org_id":"org_b","id":"resp_1","expires_at":1,"value":"secret"}';
    expect(readEnvelope(stored, otherOrg)).toBeNull();
    const otherId = '{"v":1,"org_id":"org_a","id":"resp_2","expires_at":1,"value":"x"}';
    expect(readEnvelope(stored, otherId)).toBeNull();
    expect(readEnvelope(stored, "not json")).toBeNull();
    expect(readEnvelope(stored, '{"value":"no header"}')).toBeNull();
    expect(
      readEnvelope(stored, '{"v":1,"org_id":"org_a","id":"resp_1","expires_at":1}'),
    ).toBeNull();
  });
});
