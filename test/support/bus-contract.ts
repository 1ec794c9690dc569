// The behaviour every Bus implementation owes its callers (DESIGN §8). The in-process and the
// NATS bus both run this suite (the state store's part is in state-store-contract.ts), so embedded
// mode and a fleet behave the same. makeBus must give each test a clean config store and trace
// stream, and a trace ack wait short enough to test (under 2 s).
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  type Bus,
  BusUnavailableError,
  StaleSnapshotVersionError,
  type TraceBatch,
  TraceRecordsTooLargeError,
} from "#shared/bus/bus.ts";
import type {
  ControlEvent,
  SnapshotEnvelope,
  SpendDelta,
  TraceRecord,
} from "#shared/bus/envelopes.ts";
import { encodeTraceLine } from "#shared/bus/trace-lines.ts";
import { stateStoreContract } from "./state-store-contract.ts";
import { waitUntil } from "./wait.ts";

export function snapshotWithVersion(version: number): SnapshotEnvelope {
  return {
    schema_version: 1,
    version,
    sha256: version.toString(16).padStart(64, "0"),
    created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, version)).toISOString(),
    body: { routing_configs: [{ slug: "@default", version }] },
  };
}

export function traceRecord(index: number, projectId = "prj_contract"): TraceRecord {
  return {
    request_id: `req_${String(index).padStart(5, "0")}`,
    project_id: projectId,
    org_id: "org_contract",
    created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, index)).toISOString(),
    model: "gpt-4o-mini",
  };
}

/** Records every batch handed to a consumer; `settle` decides what to do with each one. */
function batchRecorder(settle: (batch: TraceBatch, deliveryIndex: number) => Promise<void>) {
  const batches: TraceRecord[][] = [];
  const messageCounts: number[] = [];
  const onBatch = async (batch: TraceBatch) => {
    batches.push(batch.records);
    messageCounts.push(batch.messages);
    await settle(batch, batches.length - 1);
  };
  const requestIds = () => batches.flat().map((record) => record.request_id);
  return { batches, messageCounts, onBatch, requestIds };
}

// Trace tests wait out ack waits and one-second pulls; the runner's default of 5 s is too tight.
const TRACE_TEST_TIMEOUT_MS = 20_000;

const ackAll = (batch: TraceBatch) => batch.ack();
const sorted = (values: string[]) => [...values].sort();

export function busContractSuite(
  name: string,
  makeBus: () => Promise<{ bus: Bus; cleanup(): Promise<void> }>,
) {
  describe(`bus contract: ${name}`, () => {
    let bus: Bus;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ bus, cleanup } = await makeBus());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe("config store", () => {
      test("has no snapshot until one is put, then returns the newest", async () => {
        expect(await bus.config.latest()).toBeNull();
        await bus.config.put(snapshotWithVersion(1));
        expect(await bus.config.latest()).toEqual(snapshotWithVersion(1));
        await bus.config.put(snapshotWithVersion(2));
        expect(await bus.config.latest()).toEqual(snapshotWithVersion(2));
      });

      test("refuses a version that is not newer than the stored one", async () => {
        await bus.config.put(snapshotWithVersion(2));
        const sameVersion = await bus.config.put(snapshotWithVersion(2)).catch((error) => error);
        expect(sameVersion).toBeInstanceOf(StaleSnapshotVersionError);
        expect(sameVersion).toMatchObject({ stored: 2, offered: 2 });
        await expect(bus.config.put(snapshotWithVersion(1))).rejects.toBeInstanceOf(
          StaleSnapshotVersionError,
        );
        expect((await bus.config.latest())?.version).toBe(2);
        await bus.config.put(snapshotWithVersion(3));
        expect((await bus.config.latest())?.version).toBe(3);
      });

      test("concurrent puts leave the highest version stored", async () => {
        await bus.config.put(snapshotWithVersion(1));
        const results = await Promise.allSettled(
          [5, 3, 4, 2].map((version) => bus.config.put(snapshotWithVersion(version))),
        );
        for (const result of results) {
          if (result.status === "rejected") {
            expect(result.reason).toBeInstanceOf(StaleSnapshotVersionError);
          }
        }
        expect((await bus.config.latest())?.version).toBe(5);
      });

      test("watchers see every later put in order, and not what was stored before", async () => {
        await bus.config.put(snapshotWithVersion(1));
        const first: unknown[] = [];
        const second: unknown[] = [];
        await bus.config.watch((snapshot) => first.push(snapshot));
        await bus.config.watch((snapshot) => second.push(snapshot));
        for (const version of [2, 3, 4]) await bus.config.put(snapshotWithVersion(version));
        await waitUntil(() => first.length >= 3 && second.length >= 3);
        const expected = [2, 3, 4].map(snapshotWithVersion);
        expect(first).toEqual(expected);
        expect(second).toEqual(expected);
      });

      test("an unsubscribed watcher hears nothing more", async () => {
        const stopped: unknown[] = [];
        const still: unknown[] = [];
        const subscription = await bus.config.watch((snapshot) => stopped.push(snapshot));
        await bus.config.watch((snapshot) => still.push(snapshot));
        await bus.config.put(snapshotWithVersion(1));
        await waitUntil(() => stopped.length === 1 && still.length === 1);
        await subscription.unsubscribe();
        await bus.config.put(snapshotWithVersion(2));
        await waitUntil(() => still.length === 2);
        expect(stopped).toEqual([snapshotWithVersion(1)]);
      });

      test("rejects a snapshot envelope that breaks the schema", async () => {
        const broken = { ...snapshotWithVersion(1), sha256: "not-a-hash" };
        await expect(bus.config.put(broken)).rejects.toThrow(/sha256/);
        expect(await bus.config.latest()).toBeNull();
      });
    });

    stateStoreContract(() => bus);

    describe("core messages", () => {
      const delta = (nodeId: string, seq: number): SpendDelta => ({
        node_id: nodeId,
        seq,
        deltas: [{ budget_id: "bud_1", period_start: "2025-01-01T00:00:00.000Z", usd: 0.25 * seq }],
      });

      test("spend deltas from every node reach one subscriber", async () => {
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
        const received: ControlEvent[] = [];
        await bus.subscribeControl((event) => received.push(event));
        const publishing = bus.publishControl({ type: "snapshot.published", version: 1 });
        expect(received).toHaveLength(0);
        await publishing;
        await waitUntil(() => received.length === 1);
      });

      test("unsubscribe stops delivery", async () => {
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
        await expect(bus.publishSpendDelta(delta("bad node id!", 1))).rejects.toThrow(/node_id/);
        await expect(
          bus.publishControl({ type: "tenant.deleted" } as unknown as ControlEvent),
        ).rejects.toThrow();
        await expect(bus.publishBudgetState({ version: -1, totals: [] })).rejects.toThrow(
          /version/,
        );
      });
    });

    describe("traces", () => {
      test(
        "250 records arrive exactly once, in batches of at most 100",
        async () => {
          const records = Array.from({ length: 250 }, (_, index) => traceRecord(index));
          await bus.publishTraces(records);
          const recorder = batchRecorder(ackAll);
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 100, maxWaitMs: 200 });
          await waitUntil(() => recorder.requestIds().length >= 250, { timeoutMs: 10_000 });
          // Longer than the ack wait: anything not really acked would come back by now.
          await Bun.sleep(2500);
          expect(sorted(recorder.requestIds())).toEqual(sorted(records.map((r) => r.request_id)));
          for (const batch of recorder.batches) expect(batch.length).toBeLessThanOrEqual(100);
          // One record a message when published one by one.
          expect(recorder.messageCounts).toEqual(recorder.batches.map((batch) => batch.length));
          expect(recorder.batches.flat()[0]).toEqual(records[0] as TraceRecord);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "records published before and after the consumer starts are delivered",
        async () => {
          await bus.publishTraces([traceRecord(1), traceRecord(2)]);
          const recorder = batchRecorder(ackAll);
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await bus.publishTraces([traceRecord(3, "prj_other")]);
          await waitUntil(() => recorder.requestIds().length >= 3, { timeoutMs: 10_000 });
          expect(sorted(recorder.requestIds())).toEqual(["req_00001", "req_00002", "req_00003"]);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "a nakked batch is delivered again",
        async () => {
          await bus.publishTraces([traceRecord(1), traceRecord(2), traceRecord(3)]);
          const recorder = batchRecorder((batch, index) =>
            index === 0 ? batch.nak() : batch.ack(),
          );
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => recorder.requestIds().length >= 6, { timeoutMs: 10_000 });
          const counts = Map.groupBy(recorder.requestIds(), (id) => id);
          expect([...counts.keys()].sort()).toEqual(["req_00001", "req_00002", "req_00003"]);
          for (const deliveries of counts.values()) expect(deliveries).toHaveLength(2);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "a batch neither acked nor nakked comes back after the ack wait",
        async () => {
          await bus.publishTraces([traceRecord(1), traceRecord(2)]);
          // The first delivery is dropped on the floor, as by an ingester that crashed mid-write.
          const recorder = batchRecorder((batch, index) =>
            index === 0 ? Promise.resolve() : batch.ack(),
          );
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => recorder.requestIds().length >= 4, { timeoutMs: 10_000 });
          expect(sorted(recorder.requestIds())).toEqual([
            "req_00001",
            "req_00001",
            "req_00002",
            "req_00002",
          ]);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "a handler that throws gets the batch again",
        async () => {
          await bus.publishTraces([traceRecord(1)]);
          const recorder = batchRecorder(async (batch, index) => {
            if (index === 0) throw new Error("disk full");
            await batch.ack();
          });
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => recorder.requestIds().length >= 2, { timeoutMs: 10_000 });
          expect(recorder.requestIds()).toEqual(["req_00001", "req_00001"]);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "acked records are not delivered to the next consumer",
        async () => {
          await bus.publishTraces([traceRecord(1), traceRecord(2)]);
          const first = batchRecorder(ackAll);
          const subscription = await bus.consumeTraces(first.onBatch, {
            maxBatch: 10,
            maxWaitMs: 100,
          });
          await waitUntil(() => first.requestIds().length >= 2, { timeoutMs: 10_000 });
          await subscription.unsubscribe();
          await bus.publishTraces([traceRecord(3)]);
          const second = batchRecorder(ackAll);
          await bus.consumeTraces(second.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => second.requestIds().length >= 1, { timeoutMs: 10_000 });
          expect(second.requestIds()).toEqual(["req_00003"]);
          expect(sorted(first.requestIds())).toEqual(["req_00001", "req_00002"]);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "a record sent twice with the same request_id is stored once",
        async () => {
          await bus.publishTraces([traceRecord(1), traceRecord(2)]);
          await bus.publishTraces([traceRecord(2), traceRecord(3)]);
          const recorder = batchRecorder(ackAll);
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => recorder.requestIds().length >= 3, { timeoutMs: 10_000 });
          await Bun.sleep(2500);
          expect(sorted(recorder.requestIds())).toEqual(["req_00001", "req_00002", "req_00003"]);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "a record larger than the bus carries is refused by name; the others are stored",
        async () => {
          const huge = { ...traceRecord(2), prompt: "p".repeat(bus.maxTraceBytes()) };
          const refusal = await bus.publishTraces([traceRecord(1), huge, traceRecord(3)]).then(
            () => null,
            (error: unknown) => error,
          );
          expect(refusal).toBeInstanceOf(TraceRecordsTooLargeError);
          const { refused } = refusal as TraceRecordsTooLargeError;
          expect(refused.map((each) => each.request_id)).toEqual(["req_00002"]);
          expect(refused[0]?.bytes).toBeGreaterThan(bus.maxTraceBytes());
          const recorder = batchRecorder(ackAll);
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => recorder.requestIds().length >= 2, { timeoutMs: 10_000 });
          expect(sorted(recorder.requestIds())).toEqual(["req_00001", "req_00003"]);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "an invalid record rejects the whole publish and stores nothing",
        async () => {
          const invalid = { ...traceRecord(2), created_at: "yesterday" };
          await expect(bus.publishTraces([traceRecord(1), invalid])).rejects.toThrow(/created_at/);
          await bus.publishTraces([traceRecord(3)]);
          const recorder = batchRecorder(ackAll);
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => recorder.requestIds().length >= 1, { timeoutMs: 10_000 });
          await Bun.sleep(2500);
          expect(recorder.requestIds()).toEqual(["req_00003"]);
        },
        TRACE_TEST_TIMEOUT_MS,
      );
    });

    describe("encoded trace lines", () => {
      const line = (index: number, projectId = "prj_contract") => {
        const record = { ...traceRecord(index, projectId), trace: `{"request_id":"${index}"}` };
        return { record, text: encodeTraceLine(record) };
      };
      const ndjson = (texts: string[]) =>
        new TextEncoder().encode(texts.map((text) => `${text}\n`).join(""));

      test(
        "rows encoded once arrive as the records they were, many to a message, once each",
        async () => {
          const lines = Array.from({ length: 250 }, (_, index) =>
            line(index, index % 2 ? "prj_a" : "prj_b"),
          );
          const bytes = ndjson(lines.map((each) => each.text));
          await bus.publishTraceLines(bytes);
          // The same bytes again (a segment resent after a crash) are stored once.
          await bus.publishTraceLines(bytes.slice());
          const recorder = batchRecorder(ackAll);
          // Two messages at most per batch: 250 rows still arrive, so a message held many.
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 2, maxWaitMs: 200 });
          await waitUntil(() => recorder.requestIds().length >= 250, { timeoutMs: 10_000 });
          await Bun.sleep(2500);
          expect(recorder.requestIds()).toHaveLength(250);
          // Each delivery held at most the two messages asked for, and fewer than one per row.
          for (const count of recorder.messageCounts) expect(count).toBeLessThanOrEqual(2);
          const messages = recorder.messageCounts.reduce((sum, count) => sum + count, 0);
          expect(messages).toBeLessThan(250);
          expect(sorted(recorder.requestIds())).toEqual(
            sorted(lines.map((each) => each.record.request_id)),
          );
          const byId = new Map(recorder.batches.flat().map((r) => [r.request_id, r]));
          expect(byId.get("req_00007")).toEqual(lines[7]?.record as TraceRecord);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "a line longer than a message is refused by its request id; the others are stored",
        async () => {
          const huge = {
            ...traceRecord(2),
            prompt: "p".repeat(bus.maxTraceBytes()),
            trace: "{}",
          };
          const texts = [line(1).text, encodeTraceLine(huge), line(3).text];
          const refusal = await bus.publishTraceLines(ndjson(texts)).then(
            () => null,
            (error: unknown) => error,
          );
          expect(refusal).toBeInstanceOf(TraceRecordsTooLargeError);
          const { refused } = refusal as TraceRecordsTooLargeError;
          expect(refused.map((each) => each.request_id)).toEqual(["req_00002"]);
          expect(refused[0]?.bytes).toBeGreaterThan(bus.maxTraceBytes());
          const recorder = batchRecorder(ackAll);
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => recorder.requestIds().length >= 2, { timeoutMs: 10_000 });
          expect(sorted(recorder.requestIds())).toEqual(["req_00001", "req_00003"]);
        },
        TRACE_TEST_TIMEOUT_MS,
      );

      test(
        "lines and single records share the stream; a nakked batch of lines comes back whole",
        async () => {
          await bus.publishTraceLines(ndjson([line(1).text, line(2).text]));
          await bus.publishTraces([traceRecord(3)]);
          const recorder = batchRecorder((batch, index) =>
            index === 0 ? batch.nak() : batch.ack(),
          );
          await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
          await waitUntil(() => recorder.requestIds().length >= 6, { timeoutMs: 10_000 });
          const counts = Map.groupBy(recorder.requestIds(), (id) => id);
          expect([...counts.keys()].sort()).toEqual(["req_00001", "req_00002", "req_00003"]);
          for (const deliveries of counts.values()) expect(deliveries).toHaveLength(2);
        },
        TRACE_TEST_TIMEOUT_MS,
      );
    });

    describe("request and reply", () => {
      test("a request reaches one server and resolves with its reply; unserved, it is refused", async () => {
        const subject = `modelux.contract.request.${crypto.randomUUID().slice(0, 8)}`;
        await expect(bus.request(subject, { n: 1 }, 300)).rejects.toBeInstanceOf(
          BusUnavailableError,
        );
        const seen: unknown[] = [];
        const served = await bus.serveRequests(subject, async (body) => {
          seen.push(body);
          return { doubled: (body as { n: number }).n * 2 };
        });
        expect(await bus.request(subject, { n: 21 }, 2_000)).toEqual({ doubled: 42 });
        expect(seen).toEqual([{ n: 21 }]);
        await served.unsubscribe();
        await expect(bus.request(subject, { n: 2 }, 300)).rejects.toBeInstanceOf(
          BusUnavailableError,
        );
      });
    });

    test("reports connected until closed", async () => {
      expect(bus.isConnected()).toBe(true);
      await bus.close();
      expect(bus.isConnected()).toBe(false);
    });
  });
}
