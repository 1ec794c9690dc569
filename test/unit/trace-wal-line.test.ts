// Lines of the trace write-ahead log: version 2 keeps the trace as raw JSON beside the row (one
// serialization of it, not two); version 1 lines (the row itself) left by an older node still
// read; a torn line reads as nothing.
import { expect, test } from "bun:test";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import { decodeWalLine, encodeWalLine } from "../../dataplane/trace/wal-line.ts";

const trace = {
  request_id: "r1",
  strategy: "fallback",
  attempts: [{ provider: "openai", model: "gpt-4o-mini", status: 200, latency_ms: 412.5 }],
  decision: { winner: "gpt-4o-mini", provider: "openai", reason: 'fallback "chain" in order' },
};
const row = {
  request_id: "r1",
  created_at: "2026-11-24T10:15:00.000Z",
  project_id: "prj_1",
  model: "gpt-4o-mini",
  status: 200,
  cost_usd: 0.00031,
  budgets: '[{"name":"team","used_pct":0.42,"action":"none"}]',
  tags: { team: "ml" },
  prompt: null,
  trace: JSON.stringify(trace),
} as unknown as RequestLogRow;

test("version 2: the trace as raw JSON beside the row; reads back as the same row", () => {
  const line = encodeWalLine(row);
  expect(line.startsWith('{"v":2,"trace":{"request_id":"r1"')).toBe(true);
  // The row is untouched by encoding (its trace column is only left out of its own JSON).
  expect(row.trace).toBe(JSON.stringify(trace));
  expect(JSON.parse(line).row.trace).toBeUndefined();
  expect(decodeWalLine(line)).toEqual(row);
});

test("version 1: a line that is the row itself still reads", () => {
  expect(decodeWalLine(JSON.stringify(row))).toEqual(row);
});

test("a torn line, or one that is no row, reads as nothing", () => {
  const line = encodeWalLine(row);
  expect(decodeWalLine(line.slice(0, 40))).toBeNull();
  expect(decodeWalLine('{"request_id":"torn","cre')).toBeNull();
  expect(decodeWalLine("[]")).toBeNull();
  expect(decodeWalLine('{"v":2,"trace":{}}')).toBeNull();
});
