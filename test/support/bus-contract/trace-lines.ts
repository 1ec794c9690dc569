// The bus contract's encoded trace lines: rows encoded once, many to a message, on the same
// stream as single records.
import { describe, expect, test } from "bun:test";
import { type Bus, TraceRecordsTooLargeError } from "#shared/bus/bus.ts";
import type { TraceRecord } from "#shared/bus/envelopes.ts";
import { encodeTraceLine } from "#shared/bus/trace-lines.ts";
import { waitUntil } from "../wait.ts";
import { ackAll, batchRecorder, sorted, TRACE_TEST_TIMEOUT_MS, traceRecord } from "./fixtures.ts";

export function traceLinesContract(currentBus: () => Bus) {
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
        const bus = currentBus();
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
        const bus = currentBus();
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
        const bus = currentBus();
        await bus.publishTraceLines(ndjson([line(1).text, line(2).text]));
        await bus.publishTraces([traceRecord(3)]);
        const recorder = batchRecorder((batch, index) => (index === 0 ? batch.nak() : batch.ack()));
        await bus.consumeTraces(recorder.onBatch, { maxBatch: 10, maxWaitMs: 100 });
        await waitUntil(() => recorder.requestIds().length >= 6, { timeoutMs: 10_000 });
        const counts = Map.groupBy(recorder.requestIds(), (id) => id);
        expect([...counts.keys()].sort()).toEqual(["req_00001", "req_00002", "req_00003"]);
        for (const deliveries of counts.values()) expect(deliveries).toHaveLength(2);
      },
      TRACE_TEST_TIMEOUT_MS,
    );
  });
}
