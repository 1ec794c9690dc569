// The bus contract's trace stream: records delivered at least once in bounded batches, again
// after a nak, a throw or the ack wait, stored once per request_id, refused when too large.
import { describe, expect, test } from "bun:test";
import { type Bus, TraceRecordsTooLargeError } from "#shared/bus/bus.ts";
import type { TraceRecord } from "#shared/bus/envelopes.ts";
import { waitUntil } from "../wait.ts";
import { ackAll, batchRecorder, sorted, TRACE_TEST_TIMEOUT_MS, traceRecord } from "./fixtures.ts";

export function tracesContract(currentBus: () => Bus) {
  describe("traces", () => {
    test(
      "250 records arrive exactly once, in batches of at most 100",
      async () => {
        const bus = currentBus();
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
        const bus = currentBus();
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
        const bus = currentBus();
        await bus.publishTraces([traceRecord(1), traceRecord(2), traceRecord(3)]);
        const recorder = batchRecorder((batch, index) => (index === 0 ? batch.nak() : batch.ack()));
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
        const bus = currentBus();
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
        const bus = currentBus();
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
        const bus = currentBus();
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
        const bus = currentBus();
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
        const bus = currentBus();
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
        const bus = currentBus();
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
}
