// Every request-log row fits in one bus message (issue 14, "nothing lost"): client strings are
// cut when the trace starts, captured content and then the trace are shrunk to the byte budget
// the bus's max_payload allows, and such a row says `truncated`. A file written before the column
// existed reads it as NULL.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import { startTrace } from "../../dataplane/trace/build-trace.ts";
import type { DecisionTrace } from "../../dataplane/trace/decision-trace.ts";
import { requestLogRow } from "../../dataplane/trace/request-log-row.ts";
import {
  cutToJsonBytes,
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_CLIENT_CHARS,
  MAX_ROW_TAGS,
  rowBudgetFor,
} from "../../dataplane/trace/row-bounds.ts";
import { requestLogRow as fixtureRow, writeRequestLogs } from "../support/request-logs.ts";

const BUDGET = rowBudgetFor(DEFAULT_MAX_PAYLOAD_BYTES);
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

function started(overrides: {
  model?: string;
  user?: string | null;
  tags?: Record<string, string>;
}): DecisionTrace {
  return startTrace({
    requestId: "0194f3d2-7c1a-7e3b-9a41-1f2e3d4c5b6a",
    nodeId: "n1",
    key: { id: "key_1", orgId: "org_1", projectId: "prj_1" } as never,
    surface: "openai",
    requestedModel: overrides.model ?? "gpt-4o-mini",
    fields: {
      tags: overrides.tags ?? {},
      user: overrides.user ?? null,
      conversationId: null,
      traceId: null,
      returnTrace: false,
      dryRun: false,
      providerKeys: null,
    },
    stream: false,
    arrivedAtMs: Date.parse("2026-11-24T10:15:00Z"),
  });
}

describe("row bounds", () => {
  test("an ordinary row is left as it is and not marked", () => {
    const trace = started({ tags: { team: "ml" }, user: "u-1" });
    trace.content = { prompt: '{"messages":[]}', response: "hi" };
    const row = requestLogRow(trace);
    expect(row.truncated).toBe(false);
    expect(row).toMatchObject({
      requested_model: "gpt-4o-mini",
      end_user: "u-1",
      tags: { team: "ml" },
      prompt: '{"messages":[]}',
      response: "hi",
    });
  });

  test("a 1.2 MB model, a long user and too many long tags are cut in the trace and the row", () => {
    const tags: Record<string, string> = {};
    for (let index = 0; index < 200; index++) tags[`t${index}${"k".repeat(300)}`] = "v".repeat(900);
    const trace = started({ model: "x".repeat(1_200_000), user: "u".repeat(5000), tags });
    expect(trace.truncated).toBe(true);
    const row = requestLogRow(trace);
    expect(row.truncated).toBe(true);
    expect(row.requested_model.length).toBe(MAX_CLIENT_CHARS);
    expect(row.requested_model.endsWith("…")).toBe(true);
    expect(row.end_user?.length).toBe(MAX_CLIENT_CHARS);
    expect(Object.keys(row.tags)).toHaveLength(MAX_ROW_TAGS);
    for (const [name, value] of Object.entries(row.tags)) {
      expect(name.length).toBeLessThanOrEqual(MAX_CLIENT_CHARS);
      expect(value.length).toBeLessThanOrEqual(MAX_CLIENT_CHARS);
    }
    const stored = JSON.parse(row.trace) as { requested_model: string };
    expect(stored.requested_model).toBe(row.requested_model);
    expect(bytes(row)).toBeLessThanOrEqual(BUDGET);
  });

  test("captured content is shrunk to the budget, multi-byte and escaped text included", () => {
    for (const unit of ["p", "é", "😀", "\u0001", '"']) {
      const trace = started({});
      trace.content = { prompt: unit.repeat(1_500_000), response: "the answer" };
      const row = requestLogRow(trace);
      expect(row.truncated).toBe(true);
      expect(bytes(row)).toBeLessThanOrEqual(BUDGET);
      // Most of the budget is used, not thrown away.
      expect(bytes(row)).toBeGreaterThan(BUDGET * 0.9);
      expect(row.prompt?.endsWith("…[truncated]")).toBe(true);
      expect(row.response).toBe("the answer");
      // The cut never splits a surrogate pair.
      expect(row.prompt?.isWellFormed()).toBe(true);
    }
  });

  test("prompt and response both too large share the budget", () => {
    const trace = started({});
    trace.content = { prompt: "p".repeat(2_000_000), response: "r".repeat(2_000_000) };
    const row = requestLogRow(trace);
    expect(bytes(row)).toBeLessThanOrEqual(BUDGET);
    expect(row.prompt?.length).toBeGreaterThan(BUDGET / 3);
    expect(row.response?.length).toBeGreaterThan(BUDGET / 3);
  });

  test("a smaller bus gets smaller rows", () => {
    const trace = started({});
    trace.content = { prompt: "p".repeat(300_000), response: null };
    const budget = rowBudgetFor(64 * 1024);
    const row = requestLogRow(trace, budget);
    expect(bytes(row)).toBeLessThanOrEqual(budget);
    expect(row.truncated).toBe(true);
  });

  test("a trace too large for the budget keeps its decision without its per-candidate detail", () => {
    const trace = started({});
    trace.candidates = Array.from({ length: 2000 }, (_, index) => ({
      model: `m${index}`,
      provider: "openai",
      status: "failed",
      reason: "r".repeat(1000),
    })) as never;
    trace.decision.winner = "gpt-4o-mini";
    const row = requestLogRow(trace);
    expect(row.truncated).toBe(true);
    expect(bytes(row)).toBeLessThanOrEqual(BUDGET);
    const stored = JSON.parse(row.trace) as Record<string, unknown>;
    expect(stored).toMatchObject({ truncated: true, candidates: [] });
    expect((stored.decision as { winner: string }).winner).toBe("gpt-4o-mini");
  });

  test("cutToJsonBytes fits any text into its byte budget", () => {
    for (const text of ["a".repeat(10_000), "\u0000".repeat(10_000), "😀".repeat(10_000)]) {
      for (const budget of [20, 100, 1000, 5000]) {
        expect(bytes(cutToJsonBytes(text, budget))).toBeLessThanOrEqual(budget);
      }
    }
  });
});

describe("the truncated column", () => {
  const root = mkdtempSync(join(tmpdir(), "modelux-truncated-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("a file written before it existed reads it as NULL beside one that has it", async () => {
    const createdAt = "2026-11-24T10:15:00.000Z";
    const old = fixtureRow({ request_id: "old-row", created_at: createdAt });
    const cut = fixtureRow({ request_id: "cut-row", created_at: createdAt, truncated: true });
    await writeRequestLogs(root, [old], { omit: ["truncated"] });
    await writeRequestLogs(root, [cut]);
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT request_id, truncated FROM read_parquet($files, hive_partitioning = true,
           union_by_name = true) ORDER BY request_id`,
        { files: `${root}/project_id=*/**/*.parquet` },
      );
      const rows = reader.getRowObjectsJson() as Array<Pick<RequestLogRow, "request_id">>;
      expect(rows).toEqual([
        { request_id: "cut-row", truncated: true },
        { request_id: "old-row", truncated: null },
      ] as never);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
