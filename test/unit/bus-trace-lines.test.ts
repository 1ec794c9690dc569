// Trace lines (shared/bus/trace-lines.ts): a row serialized once, read back as the same record
// with its trace column sliced out, not re-serialized; the two older forms (a log left by an
// older node, a message from one) still read; a torn or foreign line reads as nothing; the writer
// refuses a row a reader could not store; NDJSON is cut into messages at line ends only, the same
// way every time.
import { expect, test } from "bun:test";
import {
  chunkTraceLines,
  decodeTraceLine,
  decodeTraceLines,
  encodeTraceLine,
  encodeTraceLineParts,
  requestIdOfLine,
  traceLinesMessageId,
} from "#shared/bus/trace-lines.ts";
import type { RequestLogRow } from "#shared/traces/request-log.ts";

const trace = {
  request_id: "r1",
  strategy: "fallback",
  attempts: [{ provider: "openai", model: "gpt-4o-mini", status: 200, latency_ms: 412.5 }],
  // Quotes, a newline, non-ASCII and an emoji: the slice must land on the JSON's own bounds.
  decision: { winner: "gpt-4o-mini", provider: "openai", reason: 'fallback "chain"\n → ok 🚀' },
};
const row = (requestId = "r1") =>
  ({
    request_id: requestId,
    created_at: "2026-11-24T10:15:00.000Z",
    project_id: "prj_1",
    org_id: "org_1",
    model: "gpt-4o-mini",
    status: 200,
    cost_usd: 0.00031,
    budgets: '[{"name":"team","used_pct":0.42,"action":"none"}]',
    tags: { team: "ml" },
    prompt: null,
    trace: JSON.stringify({ ...trace, request_id: requestId }),
  }) as unknown as RequestLogRow;

const bytesOf = (lines: string[]) => new TextEncoder().encode(lines.map((l) => `${l}\n`).join(""));

test("a line holds the trace as raw JSON beside the row and reads back as the same record", () => {
  const original = row();
  const line = encodeTraceLine(original);
  expect(line).toStartWith(`{"v":3,"n":${original.trace.length},"trace":{"request_id":"r1"`);
  expect(line).not.toContain("\n");
  // The record is untouched by encoding (its trace column is only left out of its own JSON).
  expect(original.trace).toBe(JSON.stringify(trace));
  expect(JSON.parse(line).row.trace).toBeUndefined();
  expect(decodeTraceLine(line)).toEqual(original);
  // Through bytes, as the log and the bus carry it.
  expect(decodeTraceLines(bytesOf([line]))).toEqual({ records: [original], unusable: 0 });
});

test("the line's parts (what the write-ahead log copies into its buffer) join to the same line", () => {
  const original = row();
  const parts = encodeTraceLineParts(original);
  expect(parts.join("")).toBe(encodeTraceLine(row()));
  expect(original.trace).toBe(JSON.stringify(trace));
  // Non-ASCII in the trace: the same bytes whether encoded joined or part by part.
  const joined = Buffer.from(encodeTraceLine(row()));
  expect(Buffer.concat(parts.map((part) => Buffer.from(part)))).toEqual(joined);
  expect(() => encodeTraceLineParts({ ...row(), created_at: "yesterday" })).toThrow(/created_at/);
});

test("the older forms still read: version 2 lines and a record's own JSON", () => {
  const original = row();
  const { trace: traceJson, ...rest } = original;
  const version2 = `{"v":2,"trace":${traceJson},"row":${JSON.stringify(rest)}}`;
  expect(decodeTraceLine(version2)).toEqual(original);
  expect(decodeTraceLine(JSON.stringify(original))).toEqual(original);
});

test("a torn line, or one that is no record, reads as nothing", () => {
  const line = encodeTraceLine(row());
  for (let cut = 1; cut < line.length; cut += 7)
    expect(decodeTraceLine(line.slice(0, cut))).toBeNull();
  expect(decodeTraceLine(line.slice(0, -1))).toBeNull();
  expect(decodeTraceLine('{"request_id":"torn","cre')).toBeNull();
  expect(decodeTraceLine("[]")).toBeNull();
  expect(decodeTraceLine('{"v":3,"n":2,"trace":{},"row":{"model":"x"}}')).toBeNull();
  expect(decodeTraceLine('{"v":3,"n":9,"trace":{},"row":{"request_id":"r"}}')).toBeNull();
  const { records, unusable } = decodeTraceLines(bytesOf([line, "garbage", line]));
  expect(records).toHaveLength(2);
  expect(unusable).toBe(1);
});

test("the writer is strict: a record a reader could not store is refused, naming the field", () => {
  expect(() => encodeTraceLine({ ...row(), created_at: "yesterday" })).toThrow(/created_at/);
  expect(() => encodeTraceLine({ ...row(), project_id: "" })).toThrow(/project_id/);
  expect(() => encodeTraceLine({ ...row(), org_id: undefined } as never)).toThrow(/org_id/);
  expect(() => encodeTraceLine({ ...row(), trace: "" })).toThrow(/trace/);
});

test("NDJSON is cut into messages at line ends, within the limit, the same way every time", () => {
  const lines = Array.from({ length: 20 }, (_, index) =>
    encodeTraceLine(row(`r${String(index).padStart(2, "0")}`)),
  );
  const bytes = bytesOf(lines);
  const lineBytes = bytes.byteLength / 20;
  const limit = Math.floor(lineBytes * 3.5);
  const { messages, oversized } = chunkTraceLines(bytes, limit);
  expect(oversized).toEqual([]);
  expect(messages.map((message) => message.byteLength)).toEqual([
    ...Array(6).fill(lineBytes * 3),
    lineBytes * 2,
  ]);
  const ids = messages.flatMap((message) =>
    decodeTraceLines(message).records.map((r) => r.request_id),
  );
  expect(ids).toEqual(lines.map((_, index) => `r${String(index).padStart(2, "0")}`));
  // The same bytes give the same messages and ids (a resend is recognised); others do not.
  const again = chunkTraceLines(bytes.slice(), limit).messages.map(traceLinesMessageId);
  expect(again).toEqual(messages.map(traceLinesMessageId));
  expect(new Set(again).size).toBe(messages.length);
  // Everything in one message when it fits.
  expect(chunkTraceLines(bytes, bytes.byteLength).messages).toHaveLength(1);
});

test("a line longer than a message is set apart by its request id; a torn tail is left out", () => {
  const small = encodeTraceLine(row("small"));
  const huge = encodeTraceLine({ ...row("huge"), prompt: "p".repeat(5000) });
  const torn = encodeTraceLine(row("torn")).slice(0, 50);
  const bytes = new TextEncoder().encode(`${small}\n${huge}\n${small}\n${torn}`);
  const { messages, oversized } = chunkTraceLines(bytes, 2000);
  expect(oversized).toHaveLength(1);
  expect(requestIdOfLine(oversized[0] as Uint8Array)).toBe("huge");
  expect(
    messages.flatMap((message) => decodeTraceLines(message).records.map((r) => r.request_id)),
  ).toEqual(["small", "small"]);
  expect(chunkTraceLines(new TextEncoder().encode(torn), 2000)).toEqual({
    messages: [],
    oversized: [],
  });
});
