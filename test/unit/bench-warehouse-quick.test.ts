// The warehouse benchmark's generator writes rows a user would believe (the stored schema, the
// Hive layout, UUIDv7 ids that name their own hour, costs that follow from tokens and catalog
// prices), and the quick benchmark runs. No timing is asserted; the numbers belong to the machine.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import { requestIdTime } from "#shared/traces/request-id.ts";
import { REQUEST_LOG_COLUMNS } from "#shared/traces/request-log.ts";
import { generateTraces } from "../../bench/warehouse/generate.ts";

const ROWS = 20_000;
const directory = mkdtempSync(join(tmpdir(), "modelux-bench-warehouse-"));
const root = join(directory, "warehouse");
const READ = `read_parquet($files, hive_partitioning = true,
  hive_types = {'project_id': VARCHAR, 'date': DATE, 'hour': INTEGER}, union_by_name = true)`;
let instance: DuckDBInstance;
let connection: DuckDBConnection;
let files = 0;

/** Runs SQL with `$files` (the whole root) and any other named values it uses. */
async function query(sql: string, values: Record<string, string> = {}) {
  const all = { files: `${root}/project_id=*/**/*.parquet`, ...values };
  const used = Object.entries(all).filter(([name]) => sql.includes(`$${name}`));
  return (await connection.runAndReadAll(sql, Object.fromEntries(used))).getRowObjectsJS();
}

beforeAll(async () => {
  const result = await generateTraces({ root, rows: ROWS, days: 2, seed: 7, start: "2026-03-01" });
  files = result.files;
  instance = await DuckDBInstance.create(":memory:");
  connection = await instance.connect();
}, 30_000);

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
  rmSync(directory, { recursive: true, force: true });
});

test("writes every row once, in one file per project and hour", async () => {
  const [counts] = await query(`SELECT count(*) AS n, count(DISTINCT request_id) AS ids,
    count(DISTINCT (project_id, date, hour)) AS partitions FROM ${READ}`);
  expect(counts).toEqual({ n: BigInt(ROWS), ids: BigInt(ROWS), partitions: BigInt(files) });
});

test("each file holds exactly the REQUEST_LOG_COLUMNS, in order, with their types", async () => {
  const [layouts] = await query(`SELECT count(DISTINCT layout) AS distinct_layouts, any_value(file)
    AS file FROM (SELECT file_name AS file, string_agg(name || ':' || coalesce(type, ''), ',')
      AS layout FROM parquet_schema($files) GROUP BY file_name)`);
  expect(layouts?.distinct_layouts).toBe(1n);

  const stored = await query(
    "DESCRIBE SELECT * FROM read_parquet($file, hive_partitioning = false)",
    {
      file: String(layouts?.file),
    },
  );
  expect(stored.map((row) => [row.column_name, row.column_type])).toEqual(
    Object.entries(REQUEST_LOG_COLUMNS),
  );
  const described = await query(`DESCRIBE SELECT * FROM ${READ}`);
  expect(Object.fromEntries(described.map((row) => [row.column_name, row.column_type]))).toEqual({
    ...REQUEST_LOG_COLUMNS,
    project_id: "VARCHAR",
    date: "DATE",
    hour: "INTEGER",
  });
});

test("the partition of a row is its created_at hour, and rows are in time order in a file", async () => {
  const [mismatches] = await query(`SELECT
      count(*) FILTER (WHERE CAST(created_at AS DATE) <> date OR hour(created_at) <> hour) AS wrong,
      count(*) FILTER (WHERE filename NOT SIMILAR TO '.*/project_id=prj_[0-9a-z]{26}/date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/compacted-[0-9a-f-]{36}\\.parquet') AS odd_paths
    FROM read_parquet($files, hive_partitioning = true, filename = true)`);
  expect(mismatches).toEqual({ wrong: 0n, odd_paths: 0n });
  const [order] = await query(`SELECT count(*) AS backwards FROM (
      SELECT created_at < lag(created_at) OVER (PARTITION BY filename ORDER BY file_row_number) AS back
      FROM read_parquet($files, filename = true, file_row_number = true)) WHERE back`);
  expect(order).toEqual({ backwards: 0n });
});

test("request ids are UUIDv7 whose time is created_at to the millisecond", async () => {
  const rows = await query(`SELECT request_id, epoch_ms(created_at) AS ms FROM ${READ}`);
  const wrong = rows.filter((row) => requestIdTime(String(row.request_id)) !== Number(row.ms));
  expect(wrong).toEqual([]);
});

test("cost is the tokens at the model's catalog prices; errors and cache hits cost nothing", async () => {
  const rows = await query(`SELECT provider, model, status, cache, input_tokens, output_tokens,
    cached_tokens, cache_write_tokens, reasoning_tokens, cost_usd FROM ${READ}`);
  let billed = 0;
  for (const row of rows) {
    if (row.status !== 200 || row.cache === "hit") {
      expect(row.cost_usd).toBe(0);
      continue;
    }
    billed++;
    const expected = costUsd(
      {
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        cacheReadTokens: Number(row.cached_tokens),
        cacheWriteTokens: Number(row.cache_write_tokens),
        reasoningTokens: Number(row.reasoning_tokens),
      } as Parameters<typeof costUsd>[0],
      lookupModel(String(row.provider), String(row.model)).price,
    );
    expect(row.cost_usd as number).toBeCloseTo(expected, 12);
  }
  expect(billed).toBeGreaterThan(ROWS * 0.8);
});

test("distributions look like traffic: mostly 200s, a dozen models, skewed projects, A/B variants", async () => {
  const [shape] = await query(`SELECT
      avg((status = 200)::INTEGER) AS ok_share,
      count(DISTINCT status) AS statuses,
      count(DISTINCT model) AS models,
      count(DISTINCT provider) AS providers,
      count(DISTINCT org_id) AS orgs,
      count(DISTINCT project_id) AS projects,
      count(DISTINCT end_user) AS end_users,
      count(*) FILTER (WHERE fallbacks > 0) AS fallbacks,
      count(DISTINCT ab_variant) AS variants,
      count(DISTINCT strategy) AS strategies,
      avg(stream::INTEGER) AS stream_share
    FROM ${READ}`);
  expect(shape?.ok_share as number).toBeGreaterThan(0.95);
  expect(shape?.ok_share as number).toBeLessThan(0.99);
  expect(shape?.statuses).toBe(7n);
  expect(shape?.models).toBe(12n);
  expect(shape?.providers).toBe(6n);
  expect(shape?.orgs).toBeGreaterThan(1n);
  expect(shape?.projects).toBe(20n);
  expect(shape?.end_users as bigint).toBeGreaterThan(1000n);
  expect(shape?.fallbacks as bigint).toBeGreaterThan(0n);
  expect(shape?.variants as bigint).toBeGreaterThanOrEqual(2n);
  expect(shape?.strategies).toBe(7n);
  expect(shape?.stream_share as number).toBeGreaterThan(0.3);

  const [largest] = await query(`SELECT max(n) / sum(n) AS share FROM (
    SELECT count(*) AS n FROM ${READ} GROUP BY project_id)`);
  expect(largest?.share as number).toBeGreaterThan(0.15);

  const [trace] = await query(`SELECT trace, map_keys(tags) AS tag_keys FROM ${READ}
    WHERE tags['team'] IS NOT NULL LIMIT 1`);
  const decision = JSON.parse(String(trace?.trace));
  expect(Object.keys(decision)).toEqual(
    expect.arrayContaining(["request_id", "strategy", "candidates", "attempts", "decision"]),
  );
  expect(trace?.tag_keys).toEqual(["team", "feature", "env"]);
});

test("the same seed writes the same rows", async () => {
  const again = join(directory, "again");
  await generateTraces({ root: again, rows: 2_000, days: 1, seed: 7, start: "2026-03-01" });
  await generateTraces({
    root: join(directory, "third"),
    rows: 2_000,
    days: 1,
    seed: 7,
    start: "2026-03-01",
  });
  const digest = async (path: string) =>
    (
      await connection.runAndReadAll(
        `SELECT sum(hash(request_id, cost_usd, latency_ms, trace, tags)) AS h FROM read_parquet(?)`,
        [`${path}/project_id=*/**/*.parquet`],
      )
    ).getRowsJS()[0]?.[0];
  expect(await digest(again)).toEqual(await digest(join(directory, "third")));
}, 20_000);

test("bench:warehouse --quick prints the report and the lookup, cold and warm", async () => {
  const child = Bun.spawn(["bun", "bench/warehouse/query.bench.ts", "--quick"], {
    cwd: join(import.meta.dir, "../.."),
    env: {
      ...process.env,
      BENCH_RESULTS_DIR: join(directory, "results"),
      BENCH_WAREHOUSE_ROOT: join(directory, "quick"),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
  expect(stdout).toMatch(/^report: day × model \+ totals\s.*\s\d+\.\d\s+\d+\.\d\s+1000$/m);
  expect(stdout).toMatch(/^log lookup by request id\s+naive.*\s\d+\.\d\s+\d+\.\d\s+100$/m);
  expect(stdout).toMatch(/^log lookup by request id\s+directed.*\s\d+\.\d\s+\d+\.\d\s+100$/m);

  const written = JSON.parse(
    readFileSync(join(directory, "results", "warehouse-queries.json"), "utf8"),
  );
  expect(written.quick).toBe(true);
  expect(written.machine.bun).toBe(Bun.version);
  expect(written.dataset.rows).toBe(200_000);
  // Generating 200k rows and running eighteen reports and three lookups: ~19 s at load 5.
}, 60_000);
