// The analytics report answers the same from compaction's rollups (cells and slim rows) as from
// the raw request-log rows (docs/warehouse.md): the same rows are written to two roots, one is
// compacted and rolled up, and every grouping (end user, tags, provider key and route included),
// filter and window is asked of both; then late rows land in hours already rolled up, read beside
// the rollup until compaction rolls them in; and rollups of an earlier layout are not read, and
// are built again.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  type WarehouseQuery,
} from "../../controlplane/warehouse/query.ts";
import { ManifestCache, reportFiles, rollupTraces } from "../../controlplane/warehouse/rollups.ts";
import { generateRequestLogs, writeRequestLogs } from "../support/request-logs.ts";

// A few seconds on a quiet machine; the margin is for a loaded one.
setDefaultTimeout(120_000);

const BASE = Date.parse("2026-03-10T00:00:00.000Z");
const HOUR = 3_600_000;
const ORG = "org_layouts_a";
const OTHER = "org_layouts_b";
const PROJECTS = ["prj_one", "prj_two", "prj_shared"];

/**
 * Generated rows (72 hours from BASE) moved into two days of four hours each (10:00 to 14:00),
 * so the roots hold few files; some ran on the caller's own provider key.
 */
function rowsOf(org: string, projects: string[], count: number, seed: number): RequestLogRow[] {
  return generateRequestLogs(org, projects, count, seed, BASE).map((row, index) => {
    const offset = Date.parse(row.created_at) - BASE;
    const at = BASE + Math.floor(offset / (36 * HOUR)) * 24 * HOUR + 10 * HOUR;
    const createdMs = at + Math.floor((offset % (36 * HOUR)) / 9);
    return {
      ...row,
      created_at: new Date(createdMs).toISOString(),
      request_id: Bun.randomUUIDv7("hex", createdMs),
      provider_key_fingerprint: index % 3 === 0 ? `sk-…${index % 4}` : null,
    };
  });
}

/** A report's figures with sums rounded (they add up in another order), percentiles as is. */
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

describe("analytics report: rollups answer as the raw rows do", () => {
  const directory = mkdtempSync(join(tmpdir(), "modelux-report-layouts-"));
  const rawRoot = join(directory, "raw");
  const rolledRoot = join(directory, "rolled");
  let raw: WarehouseQuery;
  let rolled: WarehouseQuery;

  /** Writes the same rows to both roots. */
  const writeBoth = async (rows: RequestLogRow[]) => {
    await writeRequestLogs(rawRoot, rows);
    await writeRequestLogs(rolledRoot, rows);
  };
  /** What compaction runs last (merging hours first changes no row, so it is left out here). */
  const rollUp = async () => {
    const warehouse = await openWarehouse(rolledRoot);
    try {
      return (await rollupTraces(warehouse, { now: new Date(BASE + 96 * HOUR) })).built;
    } finally {
      await warehouse.close();
    }
  };

  beforeAll(async () => {
    const rowsA = rowsOf(ORG, PROJECTS, 1600, 11);
    const rowsB = rowsOf(OTHER, ["prj_b", "prj_shared"], 400, 12);
    // Two batches, so hours hold several files before compaction.
    await writeBoth([...rowsA.slice(0, 800), ...rowsB.slice(0, 200)]);
    await writeBoth([...rowsA.slice(800), ...rowsB.slice(200)]);
    expect(await rollUp()).toBe(4 * 2);
    raw = await createWarehouseQuery({ root: rawRoot, threads: 1 });
    rolled = await createWarehouseQuery({ root: rolledRoot, threads: 1 });
  });
  afterAll(async () => {
    await raw?.close();
    await rolled?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const windows = {
    "two whole days": { start: new Date(BASE), end: new Date(BASE + 48 * HOUR) },
    "cut inside hours": { start: new Date(BASE + 11.5 * HOUR), end: new Date(BASE + 36.25 * HOUR) },
  };
  const groupings: Array<Omit<ReportShape, "granularity">> = [
    { group_by: null, tag_key: null },
    { group_by: "model", tag_key: null },
    { group_by: "provider", tag_key: null },
    { group_by: "project", tag_key: null },
    { group_by: "end_user", tag_key: null },
    { group_by: "tag", tag_key: "team" },
    { group_by: "tag", tag_key: "feature" },
    { group_by: "provider_key", tag_key: null },
    { group_by: "route", tag_key: null },
  ];
  const filters: Record<string, Omit<AnalyticsFilters, "start" | "end">> = {
    none: {},
    "one end user": { end_user: "user_3" },
    "one tag": { tag_pairs: [{ key: "team", value: "ml" }] },
    "two tags and a model": {
      tag_pairs: [
        { key: "team", value: "web" },
        { key: "env", value: "prod" },
      ],
      model: "gpt-4o",
    },
    "project, provider and end user": {
      project_id: "prj_shared",
      provider: "openai",
      end_user: "user_1",
    },
  };

  type Case = [keyof typeof windows, ReportShape["granularity"], number, keyof typeof filters];
  /**
   * Every grouping unfiltered; every filter with no grouping and with each grouping cells cannot
   * answer; by day over whole days and by hour over a cut window, in turn.
   */
  const windowFor = (index: number): [keyof typeof windows, ReportShape["granularity"]] =>
    index % 2 === 0 ? ["two whole days", "day"] : ["cut inside hours", "hour"];
  const cases: Case[] = [
    ...groupings.map((_, grouping): Case => [...windowFor(grouping), grouping, "none"]),
    ...Object.keys(filters)
      .slice(1)
      .flatMap((filter, index) =>
        [0, 4, 5, 7, 8].map((grouping, at): Case => [...windowFor(index + at), grouping, filter]),
      ),
  ];

  /** The cases asked of both roots, for one org. */
  async function expectSameReports(org: string, only?: (item: Case) => boolean) {
    let compared = 0;
    for (const item of cases.filter(only ?? (() => true))) {
      const [windowName, granularity, grouping, filterName] = item;
      const shape = { granularity, ...(groupings[grouping] as Omit<ReportShape, "granularity">) };
      const label = `${windowName}, ${granularity} by ${shape.group_by}:${shape.tag_key}, ${filterName}`;
      const asked = { ...windows[windowName], ...filters[filterName] };
      const [fromRows, fromRollups] = await Promise.all([
        raw.report(org, asked, shape),
        rolled.report(org, asked, shape),
      ]);
      expect(comparable(fromRollups), label).toEqual(comparable(fromRows));
      if (filterName === "none") expect(fromRows.series.length, label).toBeGreaterThan(0);
      compared++;
    }
    return compared;
  }

  test("the rolled-up root reads slim rows and cells, not the rows they stand for", async () => {
    const window = windows["two whole days"];
    const days = await filesByDay(rolledRoot, window);
    const manifests = new ManifestCache();
    const slim = await reportFiles(rolledRoot, days, window, "hour", manifests, "slim");
    // Four project directories (prj_b is the other org's) over two days.
    expect(slim.slim.length).toBe(4 * 2);
    expect(slim.files).toEqual([]);
    const cells = await reportFiles(rolledRoot, days, window, "day", manifests, "cells");
    expect(cells.rollups.length).toBe(slim.slim.length);
    expect(cells.files).toEqual([]);
  });

  test("every grouping, filter and window answers the same, for both orgs", async () => {
    expect(await expectSameReports(ORG)).toBe(29);
    await expectSameReports(OTHER, ([, , , filter]) => filter === "none");
  });

  test("late rows in rolled-up hours count once, before and after compaction rolls them in", async () => {
    // In the hours already rolled up; the same end users and tags.
    const late = rowsOf(ORG, PROJECTS, 80, 13);
    await writeBoth(late);
    const window = windows["two whole days"];
    const before = await reportFiles(
      rolledRoot,
      await filesByDay(rolledRoot, window),
      window,
      "day",
      new ManifestCache(),
      "slim",
    );
    // The late files are read as rows beside the rollups, which do not name them.
    expect(before.files.length).toBeGreaterThan(0);
    const some = ([, , , filter]: Case) => filter === "none" || filter === "one end user";
    expect(await expectSameReports(ORG, some)).toBe(14);

    expect(await rollUp()).toBeGreaterThan(0);
    const after = await reportFiles(
      rolledRoot,
      await filesByDay(rolledRoot, window),
      window,
      "day",
      new ManifestCache(),
      "slim",
    );
    expect(after.files).toEqual([]);
    await expectSameReports(ORG, some);
  });

  test("rollups of an earlier layout are not read, then built again", async () => {
    const window = windows["two whole days"];
    const rollups = join(rolledRoot, "_rollups");
    // What a rollup of layout 1 looks like: its manifest has no layout and no orgs (it had hour
    // cells, and slim rows without config_slug or tag_text).
    const manifests: string[] = [];
    for (const project of readdirSync(rollups))
      for (const day of readdirSync(join(rollups, project)))
        for (const name of readdirSync(join(rollups, project, day)))
          if (name.startsWith("rollup-")) manifests.push(join(rollups, project, day, name));
    expect(manifests.length).toBe(4 * 2);
    for (const path of manifests) {
      const { layout: _layout, orgs: _orgs, ...older } = JSON.parse(readFileSync(path, "utf8"));
      writeFileSync(path, JSON.stringify({ ...older, slim: true, route: true }));
    }
    const days = await filesByDay(rolledRoot, window);
    for (const reads of ["slim", "cells"] as const) {
      const split = await reportFiles(rolledRoot, days, window, "day", new ManifestCache(), reads);
      expect(split.slim).toEqual([]);
      expect(split.rollups).toEqual([]);
      expect(split.files.length).toBeGreaterThan(0);
    }
    // Still the same answers, from rows, then from the rebuilt rollups.
    const some = ([, , grouping, filter]: Case) =>
      (grouping === 8 || grouping === 1) && filter === "none";
    expect(await expectSameReports(ORG, some)).toBe(2);
    expect(await rollUp()).toBe(4 * 2);
    const rebuilt = await reportFiles(
      rolledRoot,
      await filesByDay(rolledRoot, window),
      window,
      "day",
      new ManifestCache(),
      "slim",
    );
    expect(rebuilt.slim.length).toBe(4 * 2);
    expect(rebuilt.files).toEqual([]);
    expect(await expectSameReports(ORG, some)).toBe(2);
  });

  test("a rollup of layout 2 is read without group counts, then built again", async () => {
    const window = windows["two whole days"];
    const rollups = join(rolledRoot, "_rollups");
    // Layout 2: the same day cells and slim rows, no group counts.
    for (const project of readdirSync(rollups))
      for (const day of readdirSync(join(rollups, project)))
        for (const name of readdirSync(join(rollups, project, day))) {
          const path = join(rollups, project, day, name);
          if (name.startsWith("groups-")) rmSync(path);
          if (!name.startsWith("rollup-")) continue;
          const manifest = JSON.parse(readFileSync(path, "utf8"));
          writeFileSync(path, JSON.stringify({ ...manifest, layout: 2 }));
        }
    const split = async () =>
      reportFiles(
        rolledRoot,
        await filesByDay(rolledRoot, window),
        window,
        "hour",
        new ManifestCache(),
        "slim",
      );
    const older = await split();
    expect(older.slim.length).toBe(4 * 2);
    expect(older.groups).toEqual([]);
    expect(older.files).toEqual([]);
    // A new reader: manifests are cached as never changing (a rebuild writes new ones), and
    // these were rewritten in place.
    const capped = async () => {
      const reader = await createWarehouseQuery({ root: rolledRoot, threads: 1 });
      try {
        for (const [group_by, tag_key] of [
          ["end_user", null],
          ["tag", "team"],
        ] as const) {
          const shape: ReportShape = { granularity: "hour", group_by, tag_key };
          const [fromRows, fromRollups] = await Promise.all([
            raw.report(ORG, window, shape, { limit: 2 }),
            reader.report(ORG, window, shape, { limit: 2 }),
          ]);
          expect(fromRollups.groups, group_by).toEqual(fromRows.groups);
          expect(comparable(fromRollups), group_by).toEqual(comparable(fromRows));
        }
      } finally {
        await reader.close();
      }
    };
    await capped();
    expect(await rollUp()).toBe(4 * 2);
    expect((await split()).groups.length).toBe(4 * 2);
    await capped();
  });
});
