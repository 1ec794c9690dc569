// The analytics report by end user and by tag, and filtered by them, from compaction's slim rows
// (docs/warehouse.md): tags that could confuse the slim rows' tag text (LIKE wildcards, the
// separators, prefixes of other values, several pairs at once) filter exactly as the rows' tag
// maps do; an end user with one request is reported as one with many; percentiles are the
// nearest-rank ones on every path; another org's rollups are not read.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import { openWarehouse } from "../../controlplane/warehouse/index.ts";
import { filesByDay } from "../../controlplane/warehouse/partition-files.ts";
import {
  type AnalyticsFilters,
  createWarehouseQuery,
  type ReportShape,
  type Row,
  type TagPair,
  type WarehouseQuery,
} from "../../controlplane/warehouse/query.ts";
import { ManifestCache, reportFiles, rollupTraces } from "../../controlplane/warehouse/rollups.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";

setDefaultTimeout(120_000);

const DAY1 = Date.parse("2026-04-01T00:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ORG = "org_slim_a";
const OTHER = "org_slim_b";
const WINDOW = { start: new Date(DAY1), end: new Date(DAY1 + 2 * DAY) };

/** Tag maps whose text a careless encoding would confuse with another's. */
const TAG_SETS: Array<Record<string, string>> = [
  {},
  { team: "web" },
  { team: "we" },
  { team: "webby" },
  { team: "" },
  { team: "web", env: "prod" },
  { env: "prod", feature: "a%b", team: "web" },
  { feature: "a_b" },
  { feature: "axb" },
  { feature: "a%b" },
  { "k%": "v" },
  { "k\\": "\\" },
  { "x\u001fteam\u001eweb": "1" },
  { x: "y\u001e", "y\u001d": "\u001f" },
  // What the separators would spoof unescaped: team=web, and x=y\u001e.
  { a: "b\u001f\u001fteam\u001eweb" },
  { "team\u001eweb\u001f\u001fz": "1" },
  { x: "y\u001db" },
  { "=": "=", "": "e" },
];

/** The filters asked, each a list of pairs every matching row carries. */
const FILTERS: TagPair[][] = [
  [{ key: "team", value: "web" }],
  [{ key: "team", value: "we" }],
  [{ key: "team", value: "" }],
  [{ key: "feature", value: "a_b" }],
  [{ key: "feature", value: "a%b" }],
  [{ key: "k%", value: "v" }],
  [{ key: "k\\", value: "\\" }],
  [{ key: "x", value: "y\u001e" }],
  [{ key: "y\u001d", value: "\u001f" }],
  [{ key: "team", value: "web\u001f" }],
  [{ key: "", value: "e" }],
  [
    { key: "env", value: "prod" },
    { key: "feature", value: "a%b" },
    { key: "team", value: "web" },
  ],
  [
    { key: "team", value: "web" },
    { key: "env", value: "prod" },
  ],
  [
    { key: "team", value: "web" },
    { key: "team", value: "web" },
  ],
  [
    { key: "team", value: "web" },
    { key: "team", value: "we" },
  ],
  [{ key: "absent", value: "web" }],
];

const carries = (row: RequestLogRow, pairs: TagPair[]) =>
  pairs.every((pair) => row.tags[pair.key] === pair.value);

/** A day's rows of one project: tags in turn, end users, latencies 100 ms apart. */
function rowsOf(org: string, project: string, day: number, count: number): RequestLogRow[] {
  return Array.from({ length: count }, (_, index) =>
    requestLogRow({
      created_at: new Date(DAY1 + day * DAY + 10 * HOUR + index * 61_000).toISOString(),
      org_id: org,
      project_id: project,
      model: index % 3 === 0 ? "claude-haiku-4-5" : "gpt-4o-mini",
      provider: index % 3 === 0 ? "anthropic" : "openai",
      status: index % 11 === 0 ? 502 : 200,
      latency_ms: index % 17 === 0 ? null : 100 * (1 + (index % 23)),
      cost_usd: 0.001 * (1 + (index % 5)),
      tags: TAG_SETS[index % TAG_SETS.length] as Record<string, string>,
      end_user: index % 4 === 0 ? null : `user_${index % 7}`,
    }),
  );
}

/** One end user's day: 20 requests at 100, 200, … 2000 ms, in a project of its own. */
function rankRows(): RequestLogRow[] {
  return Array.from({ length: 20 }, (_, index) =>
    requestLogRow({
      created_at: new Date(DAY1 + DAY + 12 * HOUR + index * 1000).toISOString(),
      org_id: ORG,
      project_id: "prj_slim_rank",
      end_user: "user_ranked",
      tags: { team: "rank" },
      latency_ms: 100 * (20 - index),
    }),
  );
}

/** Sums rounded (they add up in another order), percentiles as is. */
function comparable({ series, totals }: { series: Row[]; totals: Row }) {
  const round = (row: Row) =>
    Object.fromEntries(
      Object.entries(row).map(([name, value]) => [
        name,
        typeof value === "number" && !name.endsWith("_latency_ms")
          ? Number(value.toPrecision(12))
          : value,
      ]),
    );
  return { series: series.map(round), totals: round(totals) };
}

describe("analytics report from slim rows: end users and tags", () => {
  const directory = mkdtempSync(join(tmpdir(), "modelux-report-slim-"));
  const rawRoot = join(directory, "raw");
  const rolledRoot = join(directory, "rolled");
  const rows = [
    ...rowsOf(ORG, "prj_slim_one", 0, 150),
    ...rowsOf(ORG, "prj_slim_two", 1, 120),
    ...rankRows(),
    // The only request of its end user, among the many of others.
    requestLogRow({
      created_at: new Date(DAY1 + DAY + 13 * HOUR).toISOString(),
      org_id: ORG,
      project_id: "prj_slim_two",
      end_user: "user_once",
      tags: { team: "web" },
      latency_ms: 1234,
      cost_usd: 0.5,
    }),
    ...rowsOf(OTHER, "prj_slim_other", 0, 90),
  ];
  let raw: WarehouseQuery;
  let rolled: WarehouseQuery;

  beforeAll(async () => {
    await writeRequestLogs(rawRoot, rows);
    await writeRequestLogs(rolledRoot, rows);
    const warehouse = await openWarehouse(rolledRoot);
    try {
      const built = await rollupTraces(warehouse, { now: new Date(DAY1 + 3 * DAY) });
      expect(built.built).toBe(4);
    } finally {
      await warehouse.close();
    }
    raw = await createWarehouseQuery({ root: rawRoot, threads: 1 });
    rolled = await createWarehouseQuery({ root: rolledRoot, threads: 1 });
  });
  afterAll(async () => {
    await raw?.close();
    await rolled?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const both = async (
    org: string,
    filters: Omit<AnalyticsFilters, "start" | "end">,
    shape: ReportShape,
  ) => {
    const asked = { ...WINDOW, ...filters };
    const [fromRows, fromRollups] = await Promise.all([
      raw.report(org, asked, shape),
      rolled.report(org, asked, shape),
    ]);
    expect(comparable(fromRollups)).toEqual(comparable(fromRows));
    return fromRollups;
  };

  test("a tag filter matches exactly the rows carrying every pair, whatever the tags hold", async () => {
    const shape: ReportShape = { granularity: "day", group_by: "end_user", tag_key: null };
    for (const pairs of FILTERS) {
      const expected = rows.filter((row) => row.org_id === ORG && carries(row, pairs));
      const report = await both(ORG, { tag_pairs: pairs }, shape);
      expect(report.totals.requests, JSON.stringify(pairs)).toBe(expected.length);
      const cost = expected.reduce((sum, row) => sum + row.cost_usd, 0);
      expect(report.totals.cost_usd as number, JSON.stringify(pairs)).toBeCloseTo(cost, 9);
    }
    // A filter that matches nothing is an empty report, not an error.
    const none = await both(ORG, { tag_pairs: [{ key: "absent", value: "web" }] }, shape);
    expect(none.series).toEqual([]);
  });

  test("grouped by a tag, rows without it form the null group", async () => {
    for (const key of ["team", "feature", "k%", "x"]) {
      const report = await both(ORG, {}, { granularity: "hour", group_by: "tag", tag_key: key });
      const counts = new Map<string | null, number>();
      for (const row of rows.filter((item) => item.org_id === ORG)) {
        const value = row.tags[key] ?? null;
        counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      const reported = new Map<string | null, number>();
      for (const point of report.series) {
        const value = point.group_value as string | null;
        reported.set(value, (reported.get(value) ?? 0) + (point.requests as number));
      }
      expect(reported).toEqual(counts);
    }
  });

  test("every end user is reported, one with a single request as one with many", async () => {
    const report = await both(ORG, {}, { granularity: "day", group_by: "end_user", tag_key: null });
    const once = report.series.filter((point) => point.group_value === "user_once");
    expect(once).toEqual([
      expect.objectContaining({ bucket: "2026-04-02T00:00:00.000Z", requests: 1, cost_usd: 0.5 }),
    ]);
    for (const name of ["p50_latency_ms", "p95_latency_ms", "p99_latency_ms"]) {
      expect(Math.abs((once[0]?.[name] as number) - 1234) / 1234).toBeLessThanOrEqual(0.01);
    }
    const users = new Set(rows.filter((row) => row.org_id === ORG).map((row) => row.end_user));
    expect(new Set(report.series.map((point) => point.group_value))).toEqual(users);
    // Filtered by that end user: the one request, whatever the grouping.
    const filtered = await both(
      ORG,
      { end_user: "user_once" },
      { granularity: "hour", group_by: "model", tag_key: null },
    );
    expect(filtered.totals).toMatchObject({ requests: 1, cost_usd: 0.5 });
  });

  test("percentiles are nearest-rank on every path: of 20 latencies, p99 is the largest", async () => {
    const within = (actual: unknown, ms: number) =>
      expect(Math.abs((actual as number) - ms) / ms).toBeLessThanOrEqual(0.01);
    // Slim rows (by end user), raw rows (the other root) and day cells (by project, whole days).
    const byUser = await both(
      ORG,
      { end_user: "user_ranked" },
      { granularity: "day", group_by: "end_user", tag_key: null },
    );
    const byProject = await both(
      ORG,
      {},
      { granularity: "day", group_by: "project", tag_key: null },
    );
    const ranked = byProject.series.find((point) => point.group_value === "prj_slim_rank");
    for (const point of [byUser.totals, ranked as Row]) {
      within(point.p50_latency_ms, 1000); // rank ceil(0.5 * 20) = 10
      within(point.p95_latency_ms, 1900); // rank 19
      within(point.p99_latency_ms, 2000); // rank ceil(19.8) = 20
    }
  });

  test("a capped report ranks whole days from their group counts as from rows", async () => {
    const split = await reportFiles(
      rolledRoot,
      await filesByDay(rolledRoot, WINDOW),
      { ...WINDOW, org_id: ORG },
      "hour",
      new ManifestCache(),
      "slim",
    );
    // Both days lie wholly in the window: ranked from counts, not from their slim rows.
    expect(split.groups.length).toBe(split.slim.length);
    const dimensions: Array<[ReportShape["group_by"], string | null]> = [
      ["model", null],
      ["provider", null],
      ["project", null],
      ["end_user", null],
      ["provider_key", null],
      ["route", null],
      ["tag", "team"],
      ["tag", "feature"],
      ["tag", "absent"],
    ];
    for (const [group_by, tag_key] of dimensions) {
      for (const limit of [1, 2, 1000]) {
        // prj_slim_rank: every request carries team (no null group by team).
        for (const filters of [
          {},
          { end_user: "user_1" },
          { project_id: "prj_slim_two" },
          { project_id: "prj_slim_rank" },
        ]) {
          const shape: ReportShape = { granularity: "hour", group_by, tag_key };
          const asked = { ...WINDOW, ...filters };
          const [fromRows, fromRollups] = await Promise.all([
            raw.report(ORG, asked, shape, { limit }),
            rolled.report(ORG, asked, shape, { limit }),
          ]);
          const label = JSON.stringify({ group_by, tag_key, limit, filters });
          expect(fromRollups.groups, label).toEqual(fromRows.groups);
          expect(comparable(fromRollups), label).toEqual(comparable(fromRows));
          expect(fromRollups.other.length, label).toBe(fromRows.other.length);
        }
      }
    }
  });

  test("another org's rollups and files are not read", async () => {
    const listed = await filesByDay(rolledRoot, WINDOW);
    const manifests = new ManifestCache();
    const mine = await reportFiles(
      rolledRoot,
      listed,
      { ...WINDOW, org_id: ORG },
      "day",
      manifests,
      "slim",
    );
    const all = await reportFiles(rolledRoot, listed, WINDOW, "day", manifests, "slim");
    expect(all.slim.some((file) => file.includes("prj_slim_other"))).toBe(true);
    expect(mine.slim.some((file) => file.includes("prj_slim_other"))).toBe(false);
    expect(mine.slim.length).toBe(all.slim.length - 1);
    expect(mine.files).toEqual([]);
    const cells = await reportFiles(
      rolledRoot,
      listed,
      { ...WINDOW, org_id: ORG },
      "day",
      manifests,
      "cells",
    );
    expect(cells.rollups.some((file) => file.includes("prj_slim_other"))).toBe(false);
    // The other org still gets its own answer.
    const theirs = await both(OTHER, {}, { granularity: "day", group_by: null, tag_key: null });
    expect(theirs.totals.requests).toBe(90);
  });
});

describe("analytics report: other orgs' projects are not listed", () => {
  const root = mkdtempSync(join(tmpdir(), "modelux-report-orgs-"));
  let warehouse: WarehouseQuery;

  beforeAll(async () => {
    await writeRequestLogs(root, [
      ...rowsOf(ORG, "prj_mine", 0, 40),
      ...rowsOf(OTHER, "prj_theirs", 0, 30),
    ]);
    const writer = await openWarehouse(root);
    try {
      expect((await rollupTraces(writer, { now: new Date(DAY1 + 3 * DAY) })).built).toBe(2);
    } finally {
      await writer.close();
    }
    // After the rollups: a late file of the other org's rolled-up project, and a project of
    // that org with no rollup yet (so no manifest says whose it is).
    await writeRequestLogs(root, [
      ...rowsOf(OTHER, "prj_theirs", 1, 5),
      ...rowsOf(OTHER, "prj_theirs_new", 1, 7),
    ]);
    warehouse = await createWarehouseQuery({ root, threads: 1 });
  });
  afterAll(async () => {
    await warehouse?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("a project a manifest names for another org is skipped, rolled up or not", async () => {
    const manifests = new ManifestCache();
    const others = await manifests.projectsOfOtherOrgs(root, ORG);
    expect([...others]).toEqual(["prj_theirs"]);
    expect([...(await manifests.projectsOfOtherOrgs(root, OTHER))]).toEqual(["prj_mine"]);
    const listed = (await filesByDay(root, WINDOW, others)).flatMap((day) => day.files);
    expect(listed.some((file) => file.includes("project_id=prj_theirs/"))).toBe(false);
    // Unknown (no manifest): listed, and its rows filtered by org as ever.
    expect(listed.some((file) => file.includes("project_id=prj_theirs_new/"))).toBe(true);
    expect(listed.some((file) => file.includes("project_id=prj_mine/"))).toBe(true);
  });

  test("each org's report counts all its own rows and none of the other's", async () => {
    const shape: ReportShape = { granularity: "hour", group_by: "project", tag_key: null };
    const mine = await warehouse.report(ORG, WINDOW, shape);
    expect(mine.totals.requests).toBe(40);
    expect(new Set(mine.series.map((point) => point.group_value))).toEqual(new Set(["prj_mine"]));
    const theirs = await warehouse.report(OTHER, WINDOW, shape);
    expect(theirs.totals.requests).toBe(30 + 5 + 7);
    const byProject = Object.groupBy(theirs.series, (point) => String(point.group_value));
    const requests = (project: string) =>
      (byProject[project] ?? []).reduce((sum, point) => sum + Number(point.requests), 0);
    expect(requests("prj_theirs")).toBe(35);
    expect(requests("prj_theirs_new")).toBe(7);
  });
});
