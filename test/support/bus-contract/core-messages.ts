// The bus contract's core messages: spend deltas, limit counts, circuit states, budget state and
// control events, delivered asynchronously to their subscribers and checked against their schemas.
import { describe, expect, test } from "bun:test";
import type { Bus } from "#shared/bus/bus.ts";
import type { ControlEvent, SpendDelta } from "#shared/bus/envelopes.ts";
import { waitUntil } from "../wait.ts";

export function coreMessagesContract(currentBus: () => Bus) {
  describe("core messages", () => {
    const delta = (nodeId: string, seq: number): SpendDelta => ({
      node_id: nodeId,
      seq,
      deltas: [{ budget_id: "bud_1", period_start: "2025-01-01T00:00:00.000Z", usd: 0.25 * seq }],
    });

    test("spend deltas from every node reach one subscriber", async () => {
      const bus = currentBus();
      const received: SpendDelta[] = [];
      await bus.subscribeSpendDeltas((message) => received.push(message));
      for (const seq of [1, 2, 3]) {
        await bus.publishSpendDelta(delta("node-a", seq));
        await bus.publishSpendDelta(delta("node-b", seq));
      }
      await waitUntil(() => received.length === 6);
      for (const nodeId of ["node-a", "node-b"]) {
        const fromNode = received.filter((message) => message.node_id === nodeId);
        expect(fromNode).toEqual([1, 2, 3].map((seq) => delta(nodeId, seq)));
      }
    });

    test("limit counts from every node reach every subscriber, in order per node", async () => {
      const bus = currentBus();
      const usage = (nodeId: string, seq: number) => ({
        node_id: nodeId,
        instance: "i1",
        seq,
        usage: [{ key_id: "key_1", window_start: 1_767_268_800_000, requests: seq, tokens: 40 }],
      });
      const first: unknown[] = [];
      const second: unknown[] = [];
      await bus.subscribeLimitUsage((message) => first.push(message));
      await bus.subscribeLimitUsage((message) => second.push(message));
      for (const seq of [1, 2]) {
        await bus.publishLimitUsage(usage("node-a", seq));
        await bus.publishLimitUsage(usage("node-b", seq));
      }
      await waitUntil(() => first.length === 4 && second.length === 4);
      for (const received of [first, second])
        for (const nodeId of ["node-a", "node-b"])
          expect(
            received.filter((message) => (message as { node_id: string }).node_id === nodeId),
          ).toEqual([usage(nodeId, 1), usage(nodeId, 2)]);
      await expect(
        bus.publishLimitUsage({ ...usage("node-a", 3), instance: "not ok!" }),
      ).rejects.toThrow(/instance/);
    });

    test("circuit states from every node reach every subscriber; a bad one is refused", async () => {
      const bus = currentBus();
      const states = (nodeId: string, seq: number) => ({
        node_id: nodeId,
        instance: "i1",
        seq,
        heartbeat_ms: 5000,
        circuits:
          seq === 1
            ? [
                {
                  org_id: "org_1",
                  provider_id: "prv_1",
                  provider: "anthropic",
                  model: "claude-haiku-4-5",
                  state: "open" as const,
                  opened_at: 1_767_268_800_000,
                  cooldown_ms: 10_000,
                },
              ]
            : [],
      });
      const first: unknown[] = [];
      const second: unknown[] = [];
      await bus.subscribeCircuitStates((message) => first.push(message));
      await bus.subscribeCircuitStates((message) => second.push(message));
      for (const seq of [1, 2]) {
        await bus.publishCircuitStates(states("node-a", seq));
        await bus.publishCircuitStates(states("node-b", seq));
      }
      await waitUntil(() => first.length === 4 && second.length === 4);
      for (const received of [first, second])
        for (const nodeId of ["node-a", "node-b"])
          expect(
            received.filter((message) => (message as { node_id: string }).node_id === nodeId),
          ).toEqual([states(nodeId, 1), states(nodeId, 2)]);
      const closed = {
        ...states("node-a", 3),
        circuits: [{ ...states("node-a", 1).circuits[0], state: "closed" }],
      };
      // biome-ignore lint/suspicious/noExplicitAny: a state the schema does not take, on purpose
      await expect(bus.publishCircuitStates(closed as any)).rejects.toThrow(/circuits/);
    });

    test("budget state reaches every subscriber", async () => {
      const bus = currentBus();
      const state = {
        version: 7,
        totals: [{ budget_id: "bud_1", period_start: "2025-01-01T00:00:00.000Z", usd: 12.5 }],
      };
      const first: unknown[] = [];
      const second: unknown[] = [];
      await bus.subscribeBudgetState((message) => first.push(message));
      await bus.subscribeBudgetState((message) => second.push(message));
      await bus.publishBudgetState(state);
      await waitUntil(() => first.length === 1 && second.length === 1);
      expect(first).toEqual([state]);
      expect(second).toEqual([state]);
    });

    test("control events of every type arrive in order", async () => {
      const bus = currentBus();
      const events: ControlEvent[] = [
        { type: "api_key.revoked", key_id: "key_1", key_hash: "abc123" },
        { type: "cache.purge", project_id: "prj_1", config_slug: "@default" },
        { type: "cache.purge", project_id: "prj_2" },
        { type: "snapshot.published", version: 42 },
      ];
      const received: ControlEvent[] = [];
      await bus.subscribeControl((event) => received.push(event));
      for (const event of events) await bus.publishControl(event);
      await waitUntil(() => received.length === events.length);
      expect(received).toEqual(events);
    });

    test("delivery is asynchronous, never inside publish", async () => {
      const bus = currentBus();
      const received: ControlEvent[] = [];
      await bus.subscribeControl((event) => received.push(event));
      const publishing = bus.publishControl({ type: "snapshot.published", version: 1 });
      expect(received).toHaveLength(0);
      await publishing;
      await waitUntil(() => received.length === 1);
    });

    test("unsubscribe stops delivery", async () => {
      const bus = currentBus();
      const stopped: SpendDelta[] = [];
      const still: SpendDelta[] = [];
      const subscription = await bus.subscribeSpendDeltas((message) => stopped.push(message));
      await bus.subscribeSpendDeltas((message) => still.push(message));
      await bus.publishSpendDelta(delta("node-a", 1));
      await waitUntil(() => stopped.length === 1 && still.length === 1);
      await subscription.unsubscribe();
      await bus.publishSpendDelta(delta("node-a", 2));
      await bus.publishSpendDelta(delta("node-a", 3));
      await waitUntil(() => still.length === 3);
      expect(stopped.map((message) => message.seq)).toEqual([1]);
    });

    test("rejects messages that break their schema", async () => {
      const bus = currentBus();
      await expect(bus.publishSpendDelta(delta("bad node id!", 1))).rejects.toThrow(/node_id/);
      await expect(
        bus.publishControl({ type: "tenant.deleted" } as unknown as ControlEvent),
      ).rejects.toThrow();
      await expect(bus.publishBudgetState({ version: -1, totals: [] })).rejects.toThrow(/version/);
    });
  });
}
