// The logs, analytics and export operations over a real Parquet root: a few thousand generated
// rows of two orgs written in the warehouse layout, read back through the REST API, and every
// figure checked against the same computation done here in TypeScript over the same rows.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import { compactTraces, openWarehouse } from "../../controlplane/warehouse/index.ts";
import { filesByDay } from "../../controlplane/warehouse/partition-files.ts";
import { ManifestCache, reportFiles } from "../../controlplane/warehouse/rollups.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { generateRequestLogs, writeRequestLogs } from "../support/request-logs.ts";
import { servicesAbsent } from "../support/services.ts";

const BASE = Date.parse("2026-03-10T00:00:00.000Z");
const HOUR = 3_600_000;
const EXPORT_MAX_ROWS = 1500;
// Whole lists are paged through, a DuckDB query over ~700 small files each page.
setDefaultTimeout(60_000);

/** DuckDB's quantile_cont: linear interpolation between the two nearest ranks. */
function quantileCont(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low] as number;
  return lowValue + (position - low) * ((sorted[high] as number) - lowValue);
}

/**
 * The report's percentile promise (docs/warehouse.md): within 1 % of the latency of rank
 * ceil(q * n), 1-based and at least 1 (the nearest-rank percentile), among the n rows with a
 * latency. `percent` is q in hundredths, so the rank is integer arithmetic.
 */
function sketchedRank(values: number[], percent: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((percent * sorted.length) / 100)) - 1] as number;
}

const latenciesOf = (rows: RequestLogRow[]) =>
  rows.flatMap((row) => (row.latency_ms === null ? [] : [row.latency_ms]));

function measures(rows: RequestLogRow[]) {
  const latencies = latenciesOf(rows);
  return {
    requests: rows.length,
    cost_usd: rows.reduce((sum, row) => sum + row.cost_usd, 0),
    input_tokens: rows.reduce((sum, row) => sum + row.input_tokens, 0),
    output_tokens: rows.reduce((sum, row) => sum + row.output_tokens, 0),
    errors: rows.filter((row) => row.status >= 400).length,
    p50_latency_ms: sketchedRank(latencies, 50),
    p95_latency_ms: sketchedRank(latencies, 95),
    p99_latency_ms: sketchedRank(latencies, 99),
  };
}

/** Sums to the last digits; percentiles within the sketch's 1 % of the latency they stand for. */
function expectMeasures(actual: Json, expected: ReturnType<typeof measures>, label: string) {
  for (const [name, value] of Object.entries(expected)) {
    if (value === null) expect(`${label} ${name} ${actual[name]}`).toBe(`${label} ${name} null`);
    else if (name.endsWith("_latency_ms")) {
      const error = Math.abs(actual[name] - value) / value;
      expect(error, `${label} ${name} ${actual[name]} for ${value}`).toBeLessThanOrEqual(
        0.01 + 1e-9,
      );
    } else expect(actual[name], `${label} ${name}`).toBeCloseTo(value, 6);
  }
}

/**
 * The same point or totals from two reports over the same rows: every field equal, but sums of
 * money, which DuckDB may add up in another order on another run, to the last 9 digits.
 */
function expectSamePoint(actual: Json, expected: Json, label: string) {
  expect(Object.keys(actual).sort(), label).toEqual(Object.keys(expected).sort());
  for (const [name, value] of Object.entries(expected)) {
    if (name === "cost_usd" || name === "cache_saved_usd") {
      expect(actual[name], `${label} ${name}`).toBeCloseTo(value as number, 9);
    } else expect(actual[name], `${label} ${name}`).toEqual(value);
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

const newestFirst = (a: RequestLogRow, b: RequestLogRow) =>
  a.created_at === b.created_at
    ? b.request_id.localeCompare(a.request_id)
    : b.created_at.localeCompare(a.created_at);

/** RFC 4180, enough for DuckDB's CSV: quoted fields with doubled quotes, commas, no newlines. */
function parseCsv(text: string): Record<string, string>[] {
  const parseLine = (line: string) => {
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    for (let index = 0; index < line.length; index++) {
      const char = line[index];
      if (quoted && char === '"' && line[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = !quoted;
      else if (char === "," && !quoted) {
        fields.push(field);
        field = "";
      } else field += char;
    }
    return [...fields, field];
  };
  const [header, ...lines] = text.trim().split("\n");
  const names = parseLine(header ?? "");
  return lines.map((line) =>
    Object.fromEntries(parseLine(line).map((value, at) => [names[at], value])),
  );
}

describe.skipIf(servicesAbsent)("warehouse API (Postgres, DuckDB)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let root: string;
  let rowsA: RequestLogRow[];
  let rowsB: RequestLogRow[];

  const get = async (
    path: string,
    query: Record<string, string | number | boolean> = {},
    key?: string,
  ) => {
    const search = new URLSearchParams(
      Object.entries(query).map(([name, value]): [string, string] => [name, String(value)]),
    );
    return harness.rest("GET", `${path}${search.size ? `?${search}` : ""}`, { key });
  };
  const download = (query: Record<string, string>) =>
    fetch(`${harness.url}/manage/v1/logs/export?${new URLSearchParams(query)}`, {
      headers: { authorization: `Bearer ${harness.org.keys.viewer}` },
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-warehouse-api-"));
    harness = await startManagementHarness(database.handle, {
      tracesRoot: root,
      exportMaxRows: EXPORT_MAX_ROWS,
      env: { MODELUX_MANAGEMENT_RPM: "100000" },
    });
    const { org, other } = harness;
    rowsA = generateRequestLogs(
      org.orgId,
      [org.projectId, "prj_a_two", "prj_shared"],
      2200,
      1,
      BASE,
    );
    // Org B even writes into a project directory named like one of A's: the org decides.
    rowsB = generateRequestLogs(other.orgId, [other.projectId, "prj_shared"], 800, 2, BASE);
    // Two batches, so partitions hold several files; the first has no content columns, like a
    // file written before they existed (its rows were generated without content).
    const half = (rows: RequestLogRow[]) => rows.length / 2;
    await writeRequestLogs(root, [...rowsA.slice(0, half(rowsA)), ...rowsB.slice(0, half(rowsB))], {
      omit: ["prompt", "response"],
    });
    await writeRequestLogs(root, [...rowsA.slice(half(rowsA)), ...rowsB.slice(half(rowsB))]);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Every page of a list, following next_cursor. */
  async function listAll(query: Record<string, string | number>, key?: string) {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 200; page++) {
      const response = await get("/logs", { ...query, ...(cursor ? { cursor } : {}) }, key);
      expect(response.status).toBe(200);
      ids.push(...response.body.data.map((item: Json) => item.request_id));
      cursor = response.body.next_cursor;
      if (!cursor) return ids;
    }
    throw new Error("more than 200 pages");
  }

  test("pages through an org's logs newest first with no duplicate and no gap", async () => {
    const ids = await listAll({ limit: 97 });
    expect(ids).toEqual([...rowsA].sort(newestFirst).map((row) => row.request_id));
    const first = await get("/logs", { limit: 3 });
    const expected = [...rowsA].sort(newestFirst)[0] as RequestLogRow;
    const {
      trace: _trace,
      prompt: _prompt,
      response: _response,
      org_id: _org,
      // Shown with one request (GET /logs/{id}): a list may span files older than the column.
      truncated: _truncated,
      ...listed
    } = expected;
    const { budgets: _budgets, ...summary } = listed;
    const shown = first.body.data[0];
    for (const name of Object.keys(summary).filter((name) => !name.startsWith("req_"))) {
      expect(shown[name], name).toEqual(summary[name as keyof typeof summary]);
    }
    expect(shown).not.toHaveProperty("trace");
    expect(shown).not.toHaveProperty("prompt");
  });

  test("filters by project, time, status class, model, provider, route, end user, tags and latency", async () => {
    const start = new Date(BASE + 10 * HOUR).toISOString();
    const end = new Date(BASE + 50 * HOUR).toISOString();
    const cases: Array<[Record<string, string | number>, (row: RequestLogRow) => boolean]> = [
      [{ project_id: "prj_shared" }, (row) => row.project_id === "prj_shared"],
      [{ start, end }, (row) => row.created_at >= start && row.created_at < end],
      [{ status_class: "5xx" }, (row) => row.status >= 500],
      [
        { status_class: "4xx", model: "gpt-4o" },
        (row) => row.status >= 400 && row.status < 500 && row.model === "gpt-4o",
      ],
      [
        { provider: "anthropic", end_user: "user_3" },
        (row) => row.provider === "anthropic" && row.end_user === "user_3",
      ],
      [{ tags: "team=ml,env=prod" }, (row) => row.tags.team === "ml" && row.tags.env === "prod"],
      // The routing config a request resolved through, with or without its @.
      [{ route: "prod-chat" }, (row) => row.config_slug === "prod-chat"],
      [
        { route: "@cheap-first", status_class: "2xx" },
        (row) => row.config_slug === "cheap-first" && row.status < 300,
      ],

      [{ tags: "feature=search=v2 beta" }, (row) => row.tags.feature === "search=v2 beta"],
      [
        { min_latency_ms: 2500, start },
        (row) => (row.latency_ms ?? -1) >= 2500 && row.created_at >= start,
      ],
    ];
    for (const [query, keep] of cases) {
      const expected = rowsA
        .filter(keep)
        .sort(newestFirst)
        .map((row) => row.request_id);
      expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(await listAll({ ...query, limit: 100 }), JSON.stringify(query)).toEqual(expected);
    }
  });

  test("refuses malformed filters and cursors, naming the field", async () => {
    const DAY = { start: "2026-03-10T00:00:00Z", end: "2026-03-11T00:00:00Z" };
    const refusals: Array<[string, Record<string, string>, string]> = [
      ["/logs", { tags: "team" }, "query.tags"],
      ["/logs", { status_class: "3xx" }, "query.status_class"],
      ["/logs", { route: "Not A Slug" }, "query.route"],
      ["/logs", { cursor: "bm90IGEgY3Vyc29y" }, "query.cursor"],
      ["/logs", { start: "2026-03-11T00:00:00Z", end: "2026-03-10T00:00:00Z" }, "query.end"],
      [
        "/analytics/report",
        { start: "2026-01-01T00:00:00Z", end: "2026-03-01T00:00:00Z", granularity: "hour" },
        "query.granularity",
      ],
      [
        "/analytics/report",
        { start: "2026-03-10T00:00:00Z", end: "2026-03-11T00:00:00Z", group_by: "colour" },
        "query.group_by",
      ],
      // group_limit: an integer from 1 to 1000, only with group_by, at most 100,000 points.
      ...["0", "1001", "2.5", "-3", "ten"].map(
        (limit): [string, Record<string, string>, string] => [
          "/analytics/report",
          { ...DAY, group_by: "end_user", group_limit: limit },
          "query.group_limit",
        ],
      ),
      ["/analytics/report", { ...DAY, group_limit: "10" }, "query.group_limit"],
      [
        "/analytics/report",
        // 1,000 hourly buckets hold 100 groups each at most.
        {
          start: "2026-01-01T00:00:00Z",
          end: "2026-02-11T16:00:00Z",
          granularity: "hour",
          group_by: "model",
          group_limit: "101",
        },
        "query.group_limit",
      ],
    ];
    for (const [path, query, field] of refusals) {
      const response = await get(path, query);
      expect(`${path} ${JSON.stringify(query)} ${response.status}`).toBe(
        `${path} ${JSON.stringify(query)} 400`,
      );
      expect(response.body.error.fields[0].field).toBe(field);
    }
  });

  test("another org's requests do not exist here, by list, id, trace, report or export", async () => {
    const idsOfB = new Set(rowsB.map((row) => row.request_id));
    expect((await listAll({ limit: 100 })).filter((id) => idsOfB.has(id))).toEqual([]);
    const shared = await listAll({ project_id: "prj_shared", limit: 100 });
    expect(shared.length).toBe(rowsA.filter((row) => row.project_id === "prj_shared").length);
    for (const row of rowsB.slice(0, 5)) {
      const detail = await get(`/logs/${row.request_id}`);
      expect(detail.status).toBe(404);
      expect(detail.body.error).toMatchObject({
        type: "not_found",
        resource: "log",
        id: row.request_id,
      });
      expect((await get(`/logs/${row.request_id}/trace`)).status).toBe(404);
      // The owner reads it.
      const own = await get(`/logs/${row.request_id}`, {}, harness.other.keys.viewer);
      expect(own.status).toBe(200);
    }
    const report = await get("/analytics/report", {
      start: new Date(BASE).toISOString(),
      end: new Date(BASE + 72 * HOUR).toISOString(),
    });
    expect(report.body.data.totals.requests).toBe(rowsA.length);
  });

  test("one request: its detail with content and features, its trace parsed, by id alone or with a time", async () => {
    const v7 = rowsA.find(
      (row) => row.prompt !== null && row.request_id[14] === "7",
    ) as RequestLogRow;
    const v4 = rowsA.find((row) => row.request_id[14] === "4") as RequestLogRow;
    for (const row of [v7, v4]) {
      const detail = await get(`/logs/${row.request_id}`);
      expect(detail.status).toBe(200);
      expect(detail.body.data).toMatchObject({
        request_id: row.request_id,
        created_at: row.created_at,
        project_id: row.project_id,
        tags: row.tags,
        budgets: JSON.parse(row.budgets),
        prompt: row.prompt,
        response: row.response,
        request: {
          input_tokens: row.req_input_tokens,
          max_tokens: row.req_max_tokens,
          has_tools: false,
        },
      });
      const trace = await get(`/logs/${row.request_id}/trace`);
      expect(trace.body.data).toEqual({
        request_id: row.request_id,
        created_at: row.created_at,
        trace: JSON.parse(row.trace),
      });
    }
    // A time hint reads its hour; past a wrong one, the id's own time (UUIDv7) or, for an id
    // without one, every file still finds the row.
    const wrong = { created_at: "2020-01-01T00:00:00Z" };
    for (const [row, hint] of [
      [v4, { created_at: v4.created_at }],
      [v4, wrong],
      [v7, wrong],
    ] as const) {
      const found = await get(`/logs/${row.request_id}`, hint);
      expect(found.body.data.request_id).toBe(row.request_id);
    }
    // A request from the older files, written before prompt and response were columns.
    const older = rowsA.find(
      (row) => row.prompt === null && row.request_id[14] === "7",
    ) as RequestLogRow;
    expect((await get(`/logs/${older.request_id}`)).body.data.prompt).toBeNull();
    expect((await get("/logs/0190a000-0000-7000-8000-000000000000")).status).toBe(404);
  });

  /** Every granularity and grouping of the report over [start, end), against the rows. */
  async function checkReports(startMs: number, endMs: number) {
    const start = new Date(startMs).toISOString();
    const end = new Date(endMs).toISOString();
    const inWindow = rowsA.filter((row) => row.created_at >= start && row.created_at < end);
    const dimensions: Array<[string, (row: RequestLogRow) => string | null]> = [
      ["model", (row) => row.model],
      ["provider", (row) => row.provider],
      ["project", (row) => row.project_id],
      ["end_user", (row) => row.end_user],
      ["tag:team", (row) => row.tags.team ?? null],
      // Requests that named a model directly have no route: the null group.
      ["route", (row) => row.config_slug],
    ];
    for (const granularity of ["hour", "day"] as const) {
      const bucketOf = (row: RequestLogRow) =>
        granularity === "hour"
          ? `${row.created_at.slice(0, 13)}:00:00.000Z`
          : `${row.created_at.slice(0, 10)}T00:00:00.000Z`;
      for (const [dimension, groupOf] of dimensions) {
        const response = await get("/analytics/report", {
          start,
          end,
          granularity,
          group_by: dimension,
        });
        expect(response.status).toBe(200);
        const { series, totals } = response.body.data;
        const expected = groupBy(inWindow, (row) => `${bucketOf(row)}|${groupOf(row)}`);
        expect(series.length, `${granularity} ${dimension}`).toBe(expected.size);
        for (const point of series) {
          const rows = expected.get(`${point.bucket}|${point.group}`);
          expect(rows, `${granularity} ${dimension} ${point.bucket} ${point.group}`).toBeDefined();
          expectMeasures(
            point,
            measures(rows as RequestLogRow[]),
            `${point.bucket} ${point.group}`,
          );
        }
        const buckets = series.map((point: Json) => point.bucket);
        expect(buckets).toEqual([...buckets].sort());
        expectMeasures(totals, measures(inWindow), "totals");
      }
    }
  }

  test("report series and totals match the same computation over the rows", async () => {
    await checkReports(BASE + 6 * HOUR, BASE + 54 * HOUR);
  });

  test("report filters, a single series without group_by, and the window before for comparison", async () => {
    const start = new Date(BASE + 36 * HOUR).toISOString();
    const end = new Date(BASE + 72 * HOUR).toISOString();
    const before = new Date(BASE).toISOString();
    const keep = (row: RequestLogRow) => row.tags.team === "web" && row.provider === "openai";
    const response = await get("/analytics/report", {
      start,
      end,
      tags: "team=web",
      provider: "openai",
      include_comparison: true,
    });
    const { data } = response.body;
    expect(data).toMatchObject({ start, end, granularity: "day", group_by: null });
    const current = rowsA.filter(
      (row) => keep(row) && row.created_at >= start && row.created_at < end,
    );
    const previous = rowsA.filter(
      (row) => keep(row) && row.created_at >= before && row.created_at < start,
    );
    expectMeasures(data.totals, measures(current), "current");
    expect(data.series.every((point: Json) => point.group === null)).toBe(true);
    expect(data.comparison).toMatchObject({ start: before, end: start });
    expectMeasures(data.comparison.totals, measures(previous), "comparison");
    const days = groupBy(previous, (row) => `${row.created_at.slice(0, 10)}T00:00:00.000Z`);
    expect(data.comparison.series.length).toBe(days.size);
    for (const point of data.comparison.series) {
      expectMeasures(point, measures(days.get(point.bucket) as RequestLogRow[]), point.bucket);
    }
  });

  /**
   * Reports capped by group_limit over [start, end), against the same report uncapped and the
   * rows: the groups kept are the `limit` with the most requests over the window (ties by value,
   * the null group last), their points unchanged; other_series holds, per bucket, the rest,
   * its sums what the uncapped report's other points add up to and its percentiles those of its
   * own rows; the totals are unchanged; the window before keeps the same groups.
   */
  async function checkCapped(
    startMs: number,
    endMs: number,
    cases: Array<[string, "hour" | "day", number | "at a tie"]>,
  ) {
    const start = new Date(startMs).toISOString();
    const end = new Date(endMs).toISOString();
    const before = new Date(2 * startMs - endMs).toISOString();
    const groupOf: Record<string, (row: RequestLogRow) => string | null> = {
      model: (row) => row.model,
      end_user: (row) => row.end_user,
      "tag:team": (row) => row.tags.team ?? null,
    };
    for (const [dimension, granularity, asked] of cases) {
      const of = groupOf[dimension] as (row: RequestLogRow) => string | null;
      const bucketOf = (row: RequestLogRow) =>
        granularity === "hour"
          ? `${row.created_at.slice(0, 13)}:00:00.000Z`
          : `${row.created_at.slice(0, 10)}T00:00:00.000Z`;
      const inWindow = rowsA.filter((row) => row.created_at >= start && row.created_at < end);
      const previous = rowsA.filter((row) => row.created_at >= before && row.created_at < start);
      // The ranking, computed here: requests descending, then the value, the null group last.
      const counts = new Map<string | null, number>();
      for (const row of inWindow) counts.set(of(row), (counts.get(of(row)) ?? 0) + 1);
      const ranked = [...counts].sort(([a, n], [b, m]) =>
        n !== m ? m - n : a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0,
      );
      // "at a tie": the first cut between two groups of equal requests, which only the order
      // by value decides.
      const limit =
        asked === "at a tie"
          ? ranked.findIndex(([, n], at) => at > 0 && n === ranked[at - 1]?.[1])
          : asked;
      const label = `${granularity} × ${dimension}, group_limit ${limit} (${asked})`;
      expect(limit, label).toBeGreaterThan(0);
      expect(ranked.length, label).toBeGreaterThan(limit);
      const kept = new Set(ranked.slice(0, limit).map(([group]) => group));

      const ask = { start, end, granularity, group_by: dimension };
      const [capped, whole] = await Promise.all([
        get("/analytics/report", { ...ask, group_limit: limit, include_comparison: true }),
        get("/analytics/report", { ...ask, group_limit: 1000 }),
      ]);
      expect(capped.status, label).toBe(200);
      expect(whole.status, label).toBe(200);
      const report = capped.body.data;
      expect(report, label).toMatchObject({
        group_by: dimension,
        group_limit: limit,
        group_count: ranked.length,
        capped: true,
      });
      expect(whole.body.data, label).toMatchObject({
        group_limit: 1000,
        group_count: ranked.length,
        capped: false,
        other_series: [],
      });
      expectSamePoint(report.totals, whole.body.data.totals, `${label} totals`);
      expectMeasures(report.totals, measures(inWindow), `${label} totals`);

      // Exactly the top groups, each point as the uncapped report has it.
      const wholePoints = new Map<string, Json>(
        whole.body.data.series.map((point: Json) => [`${point.bucket}|${point.group}`, point]),
      );
      expect(new Set(report.series.map((point: Json) => point.group)), label).toEqual(kept);
      const keptPoints = whole.body.data.series.filter((point: Json) => kept.has(point.group));
      expect(
        report.series.map((point: Json) => `${point.bucket}|${point.group}`),
        label,
      ).toEqual(keptPoints.map((point: Json) => `${point.bucket}|${point.group}`));
      for (const point of report.series) {
        const key = `${point.bucket}|${point.group}`;
        expectSamePoint(point, wholePoints.get(key), `${label} ${key}`);
      }

      // The other group: per bucket, the uncapped report's other points added up, and the
      // percentiles of the merged rows.
      const checkOther = (other: Json[], rows: RequestLogRow[], wholeSeries: Json[] | null) => {
        const merged = groupBy(
          rows.filter((row) => !kept.has(of(row))),
          bucketOf,
        );
        expect(
          other.map((point) => point.bucket),
          label,
        ).toEqual([...merged.keys()].sort());
        for (const point of other) {
          const mergedRows = merged.get(point.bucket) as RequestLogRow[];
          expectMeasures(point, measures(mergedRows), `${label} other ${point.bucket}`);
          if (!wholeSeries) continue;
          const parts = wholeSeries.filter(
            (part) => part.bucket === point.bucket && !kept.has(part.group),
          );
          for (const name of [
            "requests",
            "input_tokens",
            "output_tokens",
            "errors",
            "cache_hits",
          ]) {
            const sum = parts.reduce((total, part) => total + part[name], 0);
            expect(point[name], `${label} other ${point.bucket} ${name}`).toBe(sum);
          }
          const cost = parts.reduce((total, part) => total + part.cost_usd, 0);
          expect(point.cost_usd, `${label} other ${point.bucket}`).toBeCloseTo(cost, 9);
        }
      };
      checkOther(report.other_series, inWindow, whole.body.data.series);

      // The window before: split by the same groups, whatever its own ranking.
      const comparison = report.comparison;
      expect(comparison, label).toMatchObject({ start: before, end: start });
      expectMeasures(comparison.totals, measures(previous), `${label} comparison totals`);
      expect(
        comparison.series.every((point: Json) => kept.has(point.group)),
        label,
      ).toBe(true);
      const previousKept = groupBy(
        previous.filter((row) => kept.has(of(row))),
        (row) => `${bucketOf(row)}|${of(row)}`,
      );
      expect(comparison.series.length, label).toBe(previousKept.size);
      for (const point of comparison.series) {
        const rows = previousKept.get(`${point.bucket}|${point.group}`) as RequestLogRow[];
        expectMeasures(point, measures(rows), `${label} comparison ${point.bucket}`);
      }
      checkOther(comparison.other_series, previous, null);
    }
  }

  test("group_limit keeps the groups with the most requests and merges the rest, per bucket", async () => {
    await checkCapped(BASE + 30 * HOUR, BASE + 54 * HOUR, [
      ["end_user", "hour", 5],
      ["end_user", "day", 1],
      ["end_user", "day", 25],
      ["tag:team", "day", 2],
      ["model", "hour", 3],
      ["end_user", "hour", "at a tie"],
    ]);
    // The default keeps 100 groups: these have fewer, nothing is merged.
    const report = await get("/analytics/report", {
      start: new Date(BASE).toISOString(),
      end: new Date(BASE + 72 * HOUR).toISOString(),
      group_by: "end_user",
    });
    expect(report.body.data).toMatchObject({ group_limit: 100, capped: false, other_series: [] });
    expect(report.body.data.group_count).toBe(new Set(rowsA.map((row) => row.end_user)).size);
    // Without group_by there is no group to cap.
    const single = await get("/analytics/report", {
      start: new Date(BASE).toISOString(),
      end: new Date(BASE + 72 * HOUR).toISOString(),
    });
    expect(single.body.data).toMatchObject({
      group_limit: null,
      group_count: null,
      capped: false,
      other_series: [],
    });
  });

  test("decisions: fallback rate and cascade escalations per config, A/B variant splits", async () => {
    const start = new Date(BASE).toISOString();
    const end = new Date(BASE + 72 * HOUR).toISOString();
    const response = await get("/analytics/decisions", { start, end });
    expect(response.status).toBe(200);
    const { strategies, variants } = response.body.data;
    const byConfig = groupBy(rowsA, (row) => `${row.config_slug}|${row.strategy}`);
    expect(strategies.length).toBe(byConfig.size);
    for (const item of strategies) {
      const rows = byConfig.get(`${item.config_slug}|${item.strategy}`) as RequestLogRow[];
      const fallbackRequests = rows.filter((row) => row.fallbacks > 0).length;
      const escalations = rows.filter((row) => row.attempts > 1).length;
      expect(item.requests).toBe(rows.length);
      expect(item.errors).toBe(rows.filter((row) => row.status >= 400).length);
      expect(item.fallback_requests).toBe(fallbackRequests);
      expect(item.fallback_rate).toBeCloseTo(fallbackRequests / rows.length, 12);
      if (item.strategy === "cascade") {
        expect(item.cascade_escalations).toBe(escalations);
        expect(item.cascade_escalation_rate).toBeCloseTo(escalations / rows.length, 12);
      } else expect(item.cascade_escalations).toBeNull();
      expect(item.cost_usd).toBeCloseTo(measures(rows).cost_usd, 9);
      expect(item.p50_latency_ms).toBeCloseTo(quantileCont(latenciesOf(rows), 0.5) as number, 9);
    }
    expect(
      strategies.find((item: Json) => item.strategy === "fallback").fallback_rate,
    ).toBeGreaterThan(0.1);
    const tested = rowsA.filter((row) => row.ab_variant !== null);
    expect(variants.map((item: Json) => item.variant)).toEqual(["candidate", "control"]);
    for (const item of variants) {
      const rows = tested.filter((row) => row.ab_variant === item.variant);
      expect(item.config_slug).toBe("experiment");
      expect(item.requests).toBe(rows.length);
      expect(item.share).toBeCloseTo(rows.length / tested.length, 12);
      expect(item.cost_usd).toBeCloseTo(measures(rows).cost_usd, 9);
      expect(item.cost_per_request_usd).toBeCloseTo(measures(rows).cost_usd / rows.length, 12);
      expect(item.p50_latency_ms).toBeCloseTo(quantileCont(latenciesOf(rows), 0.5) as number, 9);
      expect(item.error_rate).toBeCloseTo(measures(rows).errors / rows.length, 12);
    }
    const one = await get("/analytics/decisions", { start, end, config_slug: "prod-chat" });
    expect(one.body.data.strategies.map((item: Json) => item.config_slug)).toEqual(["prod-chat"]);
    expect(one.body.data.variants).toEqual([]);
  });

  test("exports in CSV, JSON Lines and Parquet parse back to the same rows", async () => {
    const query = { project_id: harness.org.projectId, status_class: "2xx" };
    const expected = rowsA
      .filter((row) => row.project_id === harness.org.projectId && row.status < 300)
      .sort(newestFirst);
    expect(expected.length).toBeLessThan(EXPORT_MAX_ROWS);

    const jsonl = await download({ ...query, format: "jsonl" });
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get("content-type")).toBe("application/x-ndjson");
    expect(jsonl.headers.get("content-disposition")).toMatch(
      /^attachment; filename="modelux-logs-.+\.jsonl"$/,
    );
    expect(jsonl.headers.get("x-modelux-rows")).toBe(String(expected.length));
    const lines = (await jsonl.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.length).toBe(expected.length);
    lines.forEach((line, index) => {
      const { trace: _t, prompt: _p, response: _r, ...row } = expected[index] as RequestLogRow;
      for (const [name, value] of Object.entries(row)) {
        if (typeof value === "number") expect(line[name], name).toBeCloseTo(value, 9);
        else expect(line[name], name).toEqual(value);
      }
      expect(line).not.toHaveProperty("trace");
    });

    const csv = await download({ ...query, format: "csv" });
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const records = parseCsv(await csv.text());
    expect(records.map((record) => record.request_id)).toEqual(
      expected.map((row) => row.request_id),
    );
    records.forEach((record, index) => {
      const row = expected[index] as RequestLogRow;
      expect(record.created_at).toBe(row.created_at);
      expect(JSON.parse(record.tags as string)).toEqual(row.tags);
      expect(Number(record.cost_usd)).toBeCloseTo(row.cost_usd, 9);
      expect(record.end_user).toBe(row.end_user ?? "");
      expect(Number(record.status)).toBe(row.status);
    });

    // The route filter holds for exports as for the list.
    const routed = await download({ ...query, route: "prod-chat", format: "jsonl" });
    const routedIds = (await routed.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).request_id);
    expect(routedIds).toEqual(
      expected.filter((row) => row.config_slug === "prod-chat").map((row) => row.request_id),
    );

    const parquet = await download({ ...query, format: "parquet" });
    expect(parquet.headers.get("content-type")).toBe("application/vnd.apache.parquet");
    const path = join(root, "..", `export-${crypto.randomUUID()}.parquet`);
    await Bun.write(path, await parquet.arrayBuffer());
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const read = await connection.runAndReadAll(
        `SELECT request_id, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS created_at,
           CAST(to_json(tags) AS VARCHAR) AS tags, cost_usd, typeof(tags) AS tags_type
         FROM read_parquet($path)`,
        { path },
      );
      const parsed = read.getRowObjectsJson() as Json[];
      expect(parsed.map((item) => item.request_id)).toEqual(expected.map((row) => row.request_id));
      parsed.forEach((item, index) => {
        const row = expected[index] as RequestLogRow;
        expect(item.created_at).toBe(row.created_at);
        expect(JSON.parse(item.tags)).toEqual(row.tags);
        expect(item.cost_usd).toBeCloseTo(row.cost_usd, 9);
      });
      expect(parsed[0].tags_type).toBe("MAP(VARCHAR, VARCHAR)");
    } finally {
      connection.closeSync();
      instance.closeSync();
      rmSync(path, { force: true });
    }
  });

  test("an export matching more rows than the limit is refused; none holds another org's rows", async () => {
    const tooMany = await download({ format: "csv" });
    expect(tooMany.status).toBe(422);
    expect(((await tooMany.json()) as Json).error.message).toContain(String(EXPORT_MAX_ROWS));
    const idsOfB = new Set(rowsB.map((row) => row.request_id));
    const shared = await download({ format: "jsonl", project_id: "prj_shared" });
    const exported = (await shared.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).request_id);
    expect(exported.length).toBe(rowsA.filter((row) => row.project_id === "prj_shared").length);
    expect(exported.filter((id) => idsOfB.has(id))).toEqual([]);
  });

  test("after compaction the report reads rollups, rows at the window's edges and late files, and answers the same", async () => {
    const warehouse = await openWarehouse(root);
    try {
      const later = new Date(BASE + 96 * HOUR);
      expect((await compactTraces(warehouse, { now: later })).rolledUp).toBeGreaterThan(0);
      // Whole days of a day report come from day cells alone, no row file left to read.
      const window = { start: new Date(BASE), end: new Date(BASE + 48 * HOUR) };
      const days = await filesByDay(warehouse.root, window);
      const split = await reportFiles(warehouse.root, days, window, "day", new ManifestCache());
      expect(split.rollups.length).toBeGreaterThan(0);
      expect(split.rollups.every((file) => /\/day-[^/]+\.parquet$/.test(file))).toBe(true);
      const inside = days
        .flatMap((day) => day.files)
        .filter((file) => /date=2026-03-1[01]/.test(file));
      expect(split.files.filter((file) => inside.includes(file))).toEqual([]);

      await checkReports(BASE + 6 * HOUR, BASE + 54 * HOUR);
      // Edges inside hours: those hours' rows are read, the whole hours between come from cells.
      await checkReports(BASE + 6.5 * HOUR, BASE + 53.25 * HOUR);
      // Capped by day and model: ranked and merged from day cells (and the edges' rows).
      await checkCapped(BASE + 24 * HOUR, BASE + 48 * HOUR, [["model", "day", 2]]);
      await checkCapped(BASE + 30 * HOUR, BASE + 54 * HOUR, [["end_user", "hour", 5]]);

      // A late file in a rolled-up hour is read as rows until compaction rolls it in.
      const late = generateRequestLogs(harness.org.orgId, [harness.org.projectId], 60, 9, BASE);
      await writeRequestLogs(root, late);
      rowsA.push(...late);
      await checkReports(BASE + 6 * HOUR, BASE + 54 * HOUR);
      expect((await compactTraces(warehouse, { now: later })).rolledUp).toBeGreaterThan(0);
      await checkReports(BASE + 6 * HOUR, BASE + 54 * HOUR);
    } finally {
      await warehouse.close();
    }
  }, 120_000);
});
