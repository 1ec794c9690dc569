// What the bus's state store owes its callers (shared/bus/state-store.ts), run by the bus contract
// for both implementations: values come back as stored, replace and delete as documented, stay
// inside their org and namespace whatever the id spells, and a value larger than one NATS message
// round-trips. Each test uses orgs of its own, so the store need not start empty.
import { describe, expect, test } from "bun:test";
import type { Bus } from "#shared/bus/bus.ts";
import type { StateKey, StateNamespace } from "#shared/bus/state-store.ts";
import { waitUntil } from "./wait.ts";

let orgCounter = 0;
/** An org id no other test (or earlier run against the same server) has used. */
export function freshOrgId(): string {
  orgCounter++;
  return `org_${process.pid}_${Date.now().toString(36)}_${orgCounter}`;
}

const keyOf = (orgId: string, id: string, namespace: StateNamespace = "responses"): StateKey => ({
  orgId,
  namespace,
  id,
});

/** A stored Responses object as the Responses surface keeps it, with an inline image. */
function storedResponse(id: string, imageBytes = 64) {
  return {
    id,
    object: "response",
    created_at: 1_735_689_600,
    status: "completed",
    model: "claude-sonnet-4",
    output: [
      {
        type: "message",
        id: `msg_${id}`,
        role: "assistant",
        content: [{ type: "output_text", text: "Grüße, 世界 🌍", annotations: [] }],
      },
    ],
    input: [
      {
        role: "user",
        content: [
          {
            type: "input_image",
            image_url: `data:image/png;base64,${"iVBORw0KGgo".repeat(Math.ceil(imageBytes / 11)).slice(0, imageBytes)}`,
          },
        ],
      },
    ],
    usage: { input_tokens: 12, output_tokens: 5, total_tokens: 17 },
    metadata: null,
  };
}

export function stateStoreContract(currentBus: () => Bus) {
  describe("state store", () => {
    test("a put value comes back equal; an absent key is null", async () => {
      const { state } = currentBus();
      const orgId = freshOrgId();
      const value = storedResponse("resp_1");
      await state.put(keyOf(orgId, "resp_1"), value);
      expect(await state.get(keyOf(orgId, "resp_1"))).toEqual(value);
      expect(await state.get(keyOf(orgId, "resp_never_stored"))).toBeNull();
    });

    test("an encoded put comes back byte for byte, and parsed by get; other orgs see nothing", async () => {
      const { state } = currentBus();
      const [orgA, orgB] = [freshOrgId(), freshOrgId()];
      // Not as JSON.stringify would write it: spaces, escapes, a number's own spelling.
      const json =
        '{ "id" : "resp_1",\n  "text": "caf\\u00e9 \\"quoted\\" 🌍", "n": 1.50, "output": [ {"a" : null} ] }';
      await state.putJson(keyOf(orgA, "resp_1"), json);
      expect(await state.getJson(keyOf(orgA, "resp_1"))).toBe(json);
      expect(await state.get(keyOf(orgA, "resp_1"))).toEqual(JSON.parse(json));
      expect(await state.getJson(keyOf(orgB, "resp_1"))).toBeNull();
      expect(await state.get(keyOf(orgB, "resp_1"))).toBeNull();
      expect(await state.delete(keyOf(orgB, "resp_1"))).toBe(false);
      expect(await state.getJson(keyOf(orgA, "resp_1", "response-inputs"))).toBeNull();
      // A plain put reads back as its JSON; an encoded one replaces it and is deleted like it.
      await state.put(keyOf(orgB, "resp_1"), { owner: "B" });
      expect(await state.getJson(keyOf(orgB, "resp_1"))).toBe('{"owner":"B"}');
      await state.putJson(keyOf(orgB, "resp_1"), "[1, 2]");
      expect(await state.get(keyOf(orgB, "resp_1"))).toEqual([1, 2]);
      expect(await state.getJson(keyOf(orgA, "resp_1"))).toBe(json);
      expect(await state.delete(keyOf(orgA, "resp_1"))).toBe(true);
      expect(await state.getJson(keyOf(orgA, "resp_1"))).toBeNull();
      expect(await state.getJson(keyOf(orgB, "resp_1"))).toBe("[1, 2]");
    });

    test("an encoded value larger than one bus message round-trips byte for byte", async () => {
      const bus = currentBus();
      const key = keyOf(freshOrgId(), "resp_large_encoded");
      const json = JSON.stringify(
        storedResponse("resp_large", bus.maxTraceBytes() + 1024),
        null,
        1,
      );
      await bus.state.putJson(key, json);
      expect(await bus.state.getJson(key)).toBe(json);
      expect(await bus.state.get(key)).toEqual(JSON.parse(json));
      expect(await bus.state.getJson({ ...key, orgId: freshOrgId() })).toBeNull();
      expect(await bus.state.delete(key)).toBe(true);
      expect(await bus.state.getJson(key)).toBeNull();
    }, 20_000);

    test("an encoded put must be an object's or an array's JSON", async () => {
      const { state } = currentBus();
      const key = keyOf(freshOrgId(), "resp_1");
      for (const json of ["", "null", "42", '"text"', "{", "[1, 2"])
        await expect(state.putJson(key, json)).rejects.toBeInstanceOf(TypeError);
      await expect(state.putJson({ ...key, orgId: "" }, "{}")).rejects.toThrow(/orgId/);
      expect(await state.getJson(key)).toBeNull();
    });

    test("a put replaces; delete answers whether something was there", async () => {
      const { state } = currentBus();
      const key = keyOf(freshOrgId(), "resp_1");
      await state.put(key, { version: 1 });
      await state.put(key, { version: 2 });
      expect(await state.get(key)).toEqual({ version: 2 });
      expect(await state.delete(key)).toBe(true);
      expect(await state.get(key)).toBeNull();
      expect(await state.delete(key)).toBe(false);
      await state.put(key, { version: 3 });
      expect(await state.get(key)).toEqual({ version: 3 });
    });

    test("org B can neither read nor delete org A's entry with the same id", async () => {
      const { state } = currentBus();
      const orgA = freshOrgId();
      const orgB = freshOrgId();
      await state.put(keyOf(orgA, "resp_shared"), { owner: "A" });
      expect(await state.get(keyOf(orgB, "resp_shared"))).toBeNull();
      expect(await state.delete(keyOf(orgB, "resp_shared"))).toBe(false);
      expect(await state.get(keyOf(orgA, "resp_shared"))).toEqual({ owner: "A" });
      await state.put(keyOf(orgB, "resp_shared"), { owner: "B" });
      expect(await state.get(keyOf(orgA, "resp_shared"))).toEqual({ owner: "A" });
      expect(await state.get(keyOf(orgB, "resp_shared"))).toEqual({ owner: "B" });
      expect(await state.delete(keyOf(orgB, "resp_shared"))).toBe(true);
      expect(await state.get(keyOf(orgA, "resp_shared"))).toEqual({ owner: "A" });
    });

    test("ids that would spell another org's key or a wildcard stay in their org", async () => {
      const { state } = currentBus();
      const base = freshOrgId();
      // Joined with a dot, each pair would name the same key as its neighbour.
      const pairs: Array<[string, string]> = [
        [base, "x.y"],
        [`${base}.x`, "y"],
        [base, `x${"\u0000"}y`],
        [`${base}${"\u0000"}x`, "y"],
      ];
      for (const [orgId, id] of pairs) await state.put(keyOf(orgId, id), { orgId, id });
      for (const [orgId, id] of pairs)
        expect(await state.get(keyOf(orgId, id))).toEqual({ orgId, id });
      for (const wildcard of ["*", ">", "*.>"]) {
        expect(await state.get(keyOf(base, wildcard))).toBeNull();
        expect(await state.delete(keyOf(base, wildcard))).toBe(false);
      }
      expect(await state.get(keyOf(base, "x.y"))).toEqual({ orgId: base, id: "x.y" });
    });

    test("any id a client sends round-trips without colliding with another", async () => {
      const { state } = currentBus();
      const orgId = freshOrgId();
      const ids = [
        "",
        " ",
        "../../etc/passwd",
        "resp 1/2?x=y#z",
        "Grüße 世界 🌍",
        "\uD800",
        "\uDC00",
        "a".repeat(96),
        "a".repeat(97),
        "é".repeat(2000),
        "$KV.modelux_state_responses.>",
      ];
      await Promise.all(ids.map((id, index) => state.put(keyOf(orgId, id), { index })));
      for (const [index, id] of ids.entries())
        expect(await state.get(keyOf(orgId, id))).toEqual({ index });
      expect(await state.delete(keyOf(orgId, "\uD800"))).toBe(true);
      expect(await state.get(keyOf(orgId, "\uDC00"))).toEqual({ index: 6 });
    });

    test("namespaces are apart: the same org and id in two namespaces are two values", async () => {
      const { state } = currentBus();
      const orgId = freshOrgId();
      await state.put(keyOf(orgId, "resp_1", "responses"), { kind: "response" });
      await state.put(keyOf(orgId, "resp_1", "response-inputs"), [{ kind: "input" }]);
      expect(await state.get(keyOf(orgId, "resp_1", "responses"))).toEqual({ kind: "response" });
      expect(await state.get(keyOf(orgId, "resp_1", "response-inputs"))).toEqual([
        { kind: "input" },
      ]);
      expect(await state.delete(keyOf(orgId, "resp_1", "response-inputs"))).toBe(true);
      expect(await state.get(keyOf(orgId, "resp_1", "responses"))).toEqual({ kind: "response" });
    });

    test("what is stored is a copy: changing the object afterwards changes nothing", async () => {
      const { state } = currentBus();
      const key = keyOf(freshOrgId(), "resp_1");
      const value = { status: "completed", output: ["a"] };
      await state.put(key, value);
      value.status = "changed";
      value.output.push("b");
      const read = await state.get<typeof value>(key);
      expect(read).toEqual({ status: "completed", output: ["a"] });
      if (read) read.output.push("c");
      expect(await state.get(key)).toEqual({ status: "completed", output: ["a"] });
    });

    test("a value larger than one bus message round-trips, replaces and is deleted", async () => {
      const bus = currentBus();
      const key = keyOf(freshOrgId(), "resp_large");
      // A response with an image of more than max_payload in base64.
      const large = storedResponse("resp_large", bus.maxTraceBytes() + 1024);
      await bus.state.put(key, large);
      expect(await bus.state.get(key)).toEqual(large);
      await bus.state.put(key, { small: true });
      expect(await bus.state.get(key)).toEqual({ small: true });
      await bus.state.put(key, large);
      expect(await bus.state.get(key)).toEqual(large);
      expect(await bus.state.delete(key)).toBe(true);
      expect(await bus.state.get(key)).toBeNull();
    }, 20_000);

    test("a put with a ttl is gone once it passes; the others stay", async () => {
      const { state } = currentBus();
      const orgId = freshOrgId();
      await state.put(keyOf(orgId, "short", "cache"), { hit: 1 }, { ttlMs: 300 });
      await state.put(keyOf(orgId, "long", "cache"), { hit: 2 }, { ttlMs: 3_600_000 });
      await waitUntil(async () => (await state.get(keyOf(orgId, "short", "cache"))) === null, {
        timeoutMs: 10_000,
      });
      expect(await state.get(keyOf(orgId, "long", "cache"))).toEqual({ hit: 2 });
    });

    test("compare-and-set: one of two writers at the same revision wins; a stale one changes nothing", async () => {
      const { state } = currentBus();
      const key = keyOf(freshOrgId(), "batch_1", "batches");
      expect(await state.getWithRevision(key)).toBeNull();
      // Two writers both read "absent": exactly one create lands.
      const created = await Promise.all([
        state.putIfRevision(key, { claimed_by: "a" }, null),
        state.putIfRevision(key, { claimed_by: "b" }, null),
      ]);
      expect(created.filter(Boolean)).toHaveLength(1);
      const first = await state.getWithRevision<{ claimed_by: string }>(key);
      expect(first?.value.claimed_by).toBe(created[0] ? "a" : "b");
      const revision = first?.revision ?? -1;
      const updated = await Promise.all([
        state.putIfRevision(key, { settled_by: "a" }, revision),
        state.putIfRevision(key, { settled_by: "b" }, revision),
      ]);
      expect(updated.filter(Boolean)).toHaveLength(1);
      const second = await state.getWithRevision<{ settled_by: string }>(key);
      expect(second?.value.settled_by).toBe(updated[0] ? "a" : "b");
      expect(second?.revision).not.toBe(revision);
      // Stale: at the old revision, or "absent" while the key is there; a plain put moves it on.
      expect(await state.putIfRevision(key, { late: true }, revision)).toBe(false);
      expect(await state.putIfRevision(key, { late: true }, null)).toBe(false);
      await state.put(key, { replaced: true });
      expect(await state.putIfRevision(key, { late: true }, second?.revision ?? -1)).toBe(false);
      expect(await state.get(key)).toEqual({ replaced: true });
      // Deleted: absent again, so a create lands; another org's key is its own.
      expect(await state.delete(key)).toBe(true);
      expect(await state.putIfRevision(key, { again: true }, null)).toBe(true);
      expect(await state.getWithRevision({ ...key, orgId: freshOrgId() })).toBeNull();
    });

    test("a watch delivers what was there, then every put and delete, of every org", async () => {
      const { state } = currentBus();
      const [orgA, orgB] = [freshOrgId(), freshOrgId()];
      await state.put(keyOf(orgA, "before", "cache"), { n: 1 }, { ttlMs: 60_000 });
      await state.put(keyOf(orgA, "other namespace", "files"), { n: 0 });
      const seen: Array<{ orgId: string; id: string; value: unknown }> = [];
      const watch = await state.watch("cache", (change) => {
        if (change.orgId === orgA || change.orgId === orgB) {
          seen.push({ orgId: change.orgId, id: change.id, value: change.value });
          expect(change.expiresAt === 0 || change.expiresAt > Date.now()).toBe(true);
        }
      });
      try {
        await state.put(keyOf(orgB, "after", "cache"), { n: 2 });
        await state.put(keyOf(orgA, "before", "cache"), { n: 3 });
        expect(await state.delete(keyOf(orgB, "after", "cache"))).toBe(true);
        await waitUntil(() => seen.length >= 4, { timeoutMs: 5000 });
        expect(seen).toEqual([
          { orgId: orgA, id: "before", value: { n: 1 } },
          { orgId: orgB, id: "after", value: { n: 2 } },
          { orgId: orgA, id: "before", value: { n: 3 } },
          { orgId: orgB, id: "after", value: null },
        ]);
      } finally {
        await watch.stop();
      }
      // Stopped: nothing more arrives.
      await state.put(keyOf(orgA, "late", "cache"), { n: 4 });
      expect(seen).toHaveLength(4);
    });

    test("refuses what it cannot keep: null, undefined, a key without an org, a bad ttl", async () => {
      const { state } = currentBus();
      const key = keyOf(freshOrgId(), "resp_1");
      await expect(state.put(key, null)).rejects.toBeInstanceOf(TypeError);
      await expect(state.put(key, undefined)).rejects.toBeInstanceOf(TypeError);
      await expect(state.put({ ...key, orgId: "" }, { a: 1 })).rejects.toThrow(/orgId/);
      await expect(state.get({ ...key, orgId: "" })).rejects.toThrow(/orgId/);
      await expect(state.put(key, { a: 1 }, { ttlMs: 0 })).rejects.toThrow(/ttlMs/);
      await expect(
        state.put({ ...key, namespace: "sessions" as StateNamespace }, { a: 1 }),
      ).rejects.toThrow(/namespace/);
      expect(await state.get(key)).toBeNull();
    });
  });
}
