// The analytics report's answer as the endpoint sends it: its points written as JSON by DuckDB
// (sql/duckdb/analytics_report_json.sql, reportJson) rather than read as row objects, checked
// and written by JSON.stringify. The JSON must say exactly what the row objects say, in the
// API's shape and key order, whatever the group values hold (quotes, backslashes, control
// characters, line separators, astral characters) and whatever the numbers are (tiny, huge,
// not exactly representable), on both report queries (day cells and slim rows/rows), capped or
// not, with comparison; and a measure JSON cannot carry (an infinity) is refused, not written.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, VARCHAR } from "@duckdb/node-api";
import * as v from "valibot";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import { EncodedJson, encodedJson } from "../../controlplane/api/encoded-json.ts";
import { operationAnswer } from "../../controlplane/api/execute.ts";
import { defineOperation } from "../../controlplane/api/operation.ts";
import { responseText } from "../../controlplane/api/rest.ts";
import { analyticsOperations } from "../../controlplane/modules/analytics/index.ts";
import {
  reportQuery,
  reportView,
  seriesPointView,
} from "../../controlplane/modules/analytics/model.ts";
import { analyticsReport } from "../../controlplane/modules/analytics/service.ts";
import { openWarehouse } from "../../controlplane/warehouse/index.ts";
import {
  createWarehouseQuery,
  type ReportCap,
  type ReportShape,
  type Row,
  type WarehouseQuery,
} from "../../controlplane/warehouse/query.ts";
import { rollupTraces } from "../../controlplane/warehouse/rollups.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";

setDefaultTimeout(120_000);

const DAY1 = Date.parse("2026-05-01T00:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ORG = "org_json_a";
const WINDOW = { start: new Date(DAY1), end: new Date(DAY1 + 3 * DAY) };

/** Group values JSON must escape, or that a careless writer would mangle. */
const NAMES: Array<string | null> = [
  'quote"d',
  "back\\slash",
  "new\nline",
  "tab\tand\rreturn",
  "control\u0001\u001f",
  "line\u2028separator\u2029",
  "é, ü, 日本, 😀",
  "</script><!--",
  "",
  null,
];
/** Costs whose shortest text differs in form: exponents both ways, inexact sums, zero. */
const COSTS = [0, 1e-9, 0.1, 0.2, 123456.789, 1e21, 7, 2.5e-7];

function rowsOf(project: string, day: number, count: number): RequestLogRow[] {
  return Array.from({ length: count }, (_, index) =>
    requestLogRow({
      created_at: new Date(DAY1 + day * DAY + (index % 24) * HOUR + index * 7_000).toISOString(),
      org_id: ORG,
      project_id: project,
      model: index % 3 === 0 ? "claude-haiku-4-5" : "gpt-4o-mini",
      provider: index % 3 === 0 ? "anthropic" : "openai",
      status: index % 9 === 0 ? 502 : 200,
      latency_ms: index % 13 === 0 ? null : 37 * (1 + (index % 29)),
      cost_usd: COSTS[index % COSTS.length] as number,
      cache: index % 5 === 0 ? "hit" : "miss",
      cache_saved_usd: index % 5 === 0 ? 0.000_3 : 0,
      end_user: NAMES[index % NAMES.length] as string | null,
      tags: index % 4 === 0 ? {} : { team: NAMES[(index * 3) % NAMES.length] ?? "none" },
    }),
  );
}

/** A row object of report() in the endpoint's shape: `group` for `group_value`. */
function asPoint(row: Row): Row {
  const { group_value, ...measures } = row;
  return { bucket: row.bucket, group: group_value ?? null, ...measures };
}

describe("analytics report as JSON written by DuckDB", () => {
  const directory = mkdtempSync(join(tmpdir(), "modelux-report-json-"));
  const root = join(directory, "root");
  const rows = [...rowsOf("prj_json_one", 0, 140), ...rowsOf("prj_json_two", 1, 90)];
  let warehouse: WarehouseQuery;

  beforeAll(async () => {
    await writeRequestLogs(root, rows);
    // Day 0 and 1 rolled up (cells and slim rows), day 2 left as it is: both report queries.
    const writer = await openWarehouse(root);
    try {
      await rollupTraces(writer, { now: new Date(DAY1 + 2 * DAY + HOUR) });
    } finally {
      await writer.close();
    }
    // One thread: sums add up in the same order on both paths, so the numbers compare exactly.
    warehouse = await createWarehouseQuery({ root, threads: 1 });
  });
  afterAll(async () => {
    await warehouse?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const shapes: Array<[string, ReportShape, ReportCap | undefined]> = [
    ["day, no group (cells)", { granularity: "day", group_by: null, tag_key: null }, undefined],
    ["day × model (cells)", { granularity: "day", group_by: "model", tag_key: null }, undefined],
    [
      "day × model capped at 1 (cells)",
      { granularity: "day", group_by: "model", tag_key: null },
      { limit: 1 },
    ],
    ["hour × end user", { granularity: "hour", group_by: "end_user", tag_key: null }, undefined],
    [
      "hour × end user capped at 3",
      { granularity: "hour", group_by: "end_user", tag_key: null },
      { limit: 3 },
    ],
    [
      "day × tag team, kept groups given",
      { granularity: "day", group_by: "tag", tag_key: "team" },
      { keep: ['quote"d', null] },
    ],
    ["day × route", { granularity: "day", group_by: "route", tag_key: null }, undefined],
  ];

  for (const [label, shape, cap] of shapes) {
    test(`${label}: the JSON reads back as the row objects, in the schema's key order`, async () => {
      const [objects, json] = await Promise.all([
        warehouse.report(ORG, WINDOW, shape, cap),
        warehouse.reportJson(ORG, WINDOW, shape, cap),
      ]);
      const series = JSON.parse(json.series) as Row[];
      const other = JSON.parse(json.other) as Row[];
      expect(series.length).toBeGreaterThan(0);
      expect(series).toEqual(objects.series.map(asPoint));
      expect(other).toEqual(
        objects.other.map((row) => {
          const { group, ...point } = asPoint(row);
          return point;
        }),
      );
      expect(JSON.parse(json.totals)).toEqual(objects.totals);
      expect(json.groups).toEqual(objects.groups);
      // Keys in the order the API's schema lists them, as the checked objects were written.
      expect(Object.keys(series[0] as Row)).toEqual(Object.keys(seriesPointView.entries));
      if (cap && "limit" in cap) expect(other.length).toBeGreaterThan(0);
    });
  }

  test("the group values come back as they were written", async () => {
    const json = await warehouse.reportJson(ORG, WINDOW, {
      granularity: "day",
      group_by: "end_user",
      tag_key: null,
    });
    const groups = new Set((JSON.parse(json.series) as Row[]).map((point) => point.group));
    expect([...groups].sort()).toEqual([...NAMES].sort());
  });

  test("nothing in the window: no points, zero totals", async () => {
    const json = await warehouse.reportJson(
      ORG,
      { start: new Date(DAY1 - 2 * DAY), end: new Date(DAY1 - DAY) },
      { granularity: "hour", group_by: "end_user", tag_key: null },
      { limit: 5 },
    );
    expect(JSON.parse(json.series)).toEqual([]);
    expect(JSON.parse(json.other)).toEqual([]);
    expect(JSON.parse(json.totals)).toMatchObject({ requests: 0, p50_latency_ms: null });
  });

  test("the endpoint's answer is the schema's, with the window before, as one JSON text", async () => {
    const query = v.parse(reportQuery, {
      start: new Date(DAY1 + DAY).toISOString(),
      end: new Date(DAY1 + 3 * DAY).toISOString(),
      granularity: "hour",
      group_by: "end_user",
      group_limit: 4,
      include_comparison: true,
    });
    const operation = analyticsOperations.find((item) => item.id === "get_analytics_report");
    const answer = operationAnswer(
      operation as (typeof analyticsOperations)[number],
      await analyticsReport(warehouse, ORG, query),
    );
    expect(answer).toBeInstanceOf(EncodedJson);
    const body = JSON.parse(responseText({ data: answer }));
    const checked = v.safeParse(reportView, body.data);
    expect(checked.success).toBe(true);
    // Nothing the schema does not name (valibot's output drops unknown keys).
    expect(body.data).toEqual(checked.output);
    expect(body.data).toMatchObject({ group_by: "end_user", group_limit: 4, capped: true });
    expect(body.data.comparison.series.length).toBeGreaterThan(0);
    const kept = new Set(body.data.series.map((point: Row) => point.group));
    for (const point of body.data.comparison.series) expect(kept.has(point.group)).toBe(true);
    // A serializer that does not know the class still writes the same answer.
    expect(JSON.parse(JSON.stringify({ data: answer }))).toEqual(body);
  });

  test("a measure JSON cannot carry (an infinite cost) is refused, not written", async () => {
    const infRoot = join(directory, "inf");
    await writeRequestLogs(infRoot, rowsOf("prj_json_inf", 2, 3));
    const hourDir = join(infRoot, "project_id=prj_json_inf", "date=2026-05-03", "hour=00");
    const source = join(hourDir, readdirSync(hourDir)[0] as string);
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    const connection = await instance.connect();
    try {
      await connection.run(
        `COPY (SELECT * REPLACE (CAST('inf' AS DOUBLE) AS cost_usd) FROM read_parquet($source))
         TO $target (FORMAT parquet)`,
        { source, target: join(hourDir, "infinite.parquet") },
        { source: VARCHAR, target: VARCHAR },
      );
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const reader = await createWarehouseQuery({ root: infRoot, threads: 1 });
    try {
      const shape: ReportShape = { granularity: "hour", group_by: null, tag_key: null };
      await expect(reader.reportJson(ORG, WINDOW, shape)).rejects.toThrow(
        "a report measure is NaN or infinite",
      );
    } finally {
      await reader.close();
    }
  });
});

describe("an encoded answer", () => {
  const schema = v.object({
    name: v.string(),
    note: v.optional(v.string()),
    points: encodedJson,
    nested: v.object({ totals: encodedJson, list: v.array(v.number()) }),
  });
  /** An operation whose answer carries encoded parts, as get_analytics_report's does. */
  const operation = <S extends v.GenericSchema>(encodedOutput: S) =>
    defineOperation({
      id: "encoded_probe",
      method: "GET",
      path: "/encoded-probe",
      summary: "An answer with encoded parts",
      tag: "test",
      role: "viewer",
      output: v.unknown(),
      encodedOutput,
      handler: async () => ({}) as v.InferInput<S>,
    });
  const encoded = (answer: unknown) => operationAnswer(operation(schema), answer) as EncodedJson;

  test("is its checked head with each encoded part spliced in as it is", () => {
    const answer = encoded({
      name: 'a "quoted" name',
      note: undefined,
      points: new EncodedJson('[{"x":1e-9},{"x":null}]'),
      nested: { totals: new EncodedJson('{"requests":3}'), list: [1, 2.5] },
    });
    expect(JSON.parse(answer.text)).toEqual({
      name: 'a "quoted" name',
      points: [{ x: 1e-9 }, { x: null }],
      nested: { totals: { requests: 3 }, list: [1, 2.5] },
    });
    expect(answer.text).toContain('"points":[{"x":1e-9},{"x":null}]');
  });

  test("writes the rest as JSON.stringify does: dates, nulls in arrays, undefined members", () => {
    const loose = v.object({ at: v.date(), list: v.array(v.nullable(v.number())), gone: v.any() });
    const value = { at: new Date("2026-05-01T00:00:00Z"), list: [1, null], gone: undefined };
    expect((operationAnswer(operation(loose), value) as EncodedJson).text).toBe(
      JSON.stringify(value),
    );
  });

  test("that does not match its schema is an internal error, not sent", () => {
    expect(() =>
      encoded({
        name: 7,
        points: new EncodedJson("[]"),
        nested: { totals: "{}", list: [] },
      }),
    ).toThrow(/^internal error: encoded_probe output invalid \(name: .*; nested\.totals: .*\)$/);
  });
});
