// The analytics report's response-cache measures (docs/warehouse.md, docs/caching.md): hits, hit
// rate and the cost hits saved, per bucket and in the totals; the same from rows and from
// compaction's rollup cells; request-log files written before cache_saved_usd existed roll up,
// and rollup cells written before cache_hits/cache_saved_usd existed still read (as no hits).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, VARCHAR } from "@duckdb/node-api";
import { compactTraces, openWarehouse } from "../../controlplane/warehouse/index.ts";
import { filesByDay } from "../../controlplane/warehouse/partition-files.ts";
import { createWarehouseQuery, type WarehouseQuery } from "../../controlplane/warehouse/query.ts";
import { ManifestCache, reportFiles } from "../../controlplane/warehouse/rollups.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";

const OLD_DAY = "2026-11-20T09:15:00.000Z";
const NEW_DAY = "2026-11-21T09:15:00.000Z";
const WINDOW = { start: new Date("2026-11-20T00:00:00Z"), end: new Date("2026-11-22T00:00:00Z") };
const SHAPE = { granularity: "day", group_by: null, tag_key: null } as const;

describe("analytics report: cache hits, hit rate and savings", () => {
  const root = mkdtempSync(join(tmpdir(), "modelux-cache-report-"));
  let warehouse: WarehouseQuery;
  beforeAll(async () => {
    // A day whose file predates cache_saved_usd and cache_similarity.
    await writeRequestLogs(
      root,
      [requestLogRow({ created_at: OLD_DAY }), requestLogRow({ created_at: OLD_DAY })],
      { omit: ["cache_saved_usd", "cache_similarity"] },
    );
    await writeRequestLogs(root, [
      requestLogRow({ created_at: NEW_DAY, cache: "miss", cost_usd: 0.004 }),
      requestLogRow({ created_at: NEW_DAY, cache: "hit", cost_usd: 0, cache_saved_usd: 0.004 }),
      requestLogRow({
        created_at: NEW_DAY,
        cache: "hit",
        cost_usd: 0,
        cache_saved_usd: 0.0025,
        cache_similarity: 0.93,
      }),
      requestLogRow({ created_at: NEW_DAY, cache: "off" }),
    ]);
    warehouse = await createWarehouseQuery({ root, threads: 1 });
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(root, { recursive: true, force: true });
  });

  const report = async () => {
    const { series, totals } = await warehouse.report("org_test", WINDOW, SHAPE);
    return {
      series: series.map((point) => ({
        day: String(point.bucket).slice(0, 10),
        requests: point.requests,
        cache_hits: point.cache_hits,
        cache_hit_rate: point.cache_hit_rate,
        cache_saved_usd: Number((point.cache_saved_usd as number).toFixed(10)),
      })),
      totals: {
        requests: totals.requests,
        cache_hits: totals.cache_hits,
        cache_hit_rate: totals.cache_hit_rate,
        cache_saved_usd: Number((totals.cache_saved_usd as number).toFixed(10)),
      },
    };
  };
  const EXPECTED = {
    series: [
      { day: "2026-11-20", requests: 2, cache_hits: 0, cache_hit_rate: 0, cache_saved_usd: 0 },
      {
        day: "2026-11-21",
        requests: 4,
        cache_hits: 2,
        cache_hit_rate: 0.5,
        cache_saved_usd: 0.0065,
      },
    ],
    totals: { requests: 6, cache_hits: 2, cache_hit_rate: 2 / 6, cache_saved_usd: 0.0065 },
  };

  test("from rows: hits, their share and what they saved, per day and in total", async () => {
    expect(await report()).toEqual(EXPECTED);
  });

  test("from rollup cells, also cells and files written before the cache columns", async () => {
    const writer = await openWarehouse(root);
    try {
      const later = new Date("2026-11-23T00:00:00Z");
      // The old day's files lack cache_saved_usd: they roll up all the same.
      expect((await compactTraces(writer, { now: later })).rolledUp).toBe(2);
    } finally {
      await writer.close();
    }
    const days = await filesByDay(root, WINDOW);
    const split = await reportFiles(root, days, WINDOW, "day", new ManifestCache());
    expect(split.files).toEqual([]);
    expect(split.rollups).toHaveLength(2);
    expect(await report()).toEqual(EXPECTED);

    // The old day's cells as a build before the columns wrote them.
    const oldCells = split.rollups.find((file) => file.includes("date=2026-11-20"));
    expect(oldCells).toBeDefined();
    await dropColumns(oldCells as string, ["cache_hits", "cache_saved_usd"]);
    expect(await report()).toEqual(EXPECTED);
  });
});

async function dropColumns(file: string, columns: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const connection = await instance.connect();
  try {
    const rewritten = `${file}.rewrite`;
    await connection.run(
      `COPY (SELECT * EXCLUDE (${columns.join(", ")}) FROM read_parquet($file)) TO $target (FORMAT parquet)`,
      { file, target: rewritten },
      { file: VARCHAR, target: VARCHAR },
    );
    const reader = await connection.runAndReadAll(
      "SELECT count(*) AS n FROM (DESCRIBE SELECT * FROM read_parquet($file)) WHERE column_name LIKE 'cache_%'",
      { file: rewritten },
      { file: VARCHAR },
    );
    expect(Number(reader.getRowObjects()[0]?.n)).toBe(0);
    await Bun.write(file, Bun.file(rewritten));
    rmSync(rewritten);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
