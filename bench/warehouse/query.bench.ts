// Warehouse query times over a synthetic request log (DESIGN §9, §12): the analytics report
// (target < 1 s over 10M rows) and a log lookup by request id (target < 100 ms), cold and warm.
// `bun run bench:warehouse`; `--quick` (or BENCH_QUICK=1) runs the same over 200k rows.
import { mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, platform } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, version as duckdbVersion } from "@duckdb/node-api";
import { requestIdTime } from "#shared/traces/request-id.ts";
import type {
  AnalyticsFilters,
  ReportCap,
  ReportShape,
} from "../../controlplane/warehouse/query.ts";
import { datasetOf, datasetRoot, ensureDataset as ensureDatasetAt, START } from "./dataset.ts";
import { parquetFiles } from "./generate.ts";
import { type Row, renderTable } from "./query-table.ts";
import { median, timed } from "./timing.ts";

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
/** Quick mode writes results only where asked, so it never overwrites a full run's. */
const resultsDirectory = process.env.BENCH_RESULTS_DIR ?? (quick ? null : "bench/results");
const DATASET = datasetOf(quick);
const root = datasetRoot(quick);
/**
 * BENCH_WAREHOUSE_FAST=1: for a loaded machine, the control plane's own reports and lookups only
 * (not the inline full scan nor the naive lookup, the references this layout avoids), one cold
 * series and three warm runs each. The results say so.
 */
const fast = process.env.BENCH_WAREHOUSE_FAST === "1";
const COLD_SERIES = quick || fast ? 1 : 3;
const WARM_RUNS = quick ? 2 : fast ? 3 : 5;

const READ = `read_parquet($files, hive_partitioning = true,
  hive_types = {'project_id': VARCHAR, 'date': DATE, 'hour': INTEGER}, union_by_name = true)`;

/** The report of controlplane/warehouse/query.ts (series + totals), over every org at once. */
const REPORT_SQL = `SELECT date_trunc('day', created_at) AS day, model, count(*) AS requests,
  sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
  count(*) FILTER (WHERE status >= 400) AS errors,
  quantile_cont(latency_ms, [0.5, 0.95, 0.99]) AS latency_quantiles
FROM ${READ}
GROUP BY GROUPING SETS ((day, model), ())`;

/**
 * The control plane's own read side, when it loads: it is measured beside the inline SQL (which
 * is what the benchmark falls back to, saying so, when the module is missing or broken).
 */
async function loadWarehouseQuery() {
  try {
    const module = await import("../../controlplane/warehouse/query.ts");
    return { create: module.createWarehouseQuery, unavailable: null };
  } catch (error) {
    return { create: null, unavailable: String(error).split("\n")[0] };
  }
}

const LOOKUP_SQL = `SELECT * FROM ${READ} WHERE request_id = $id`;

const by = (
  granularity: ReportShape["granularity"],
  group_by: ReportShape["group_by"],
  tag_key: string | null = null,
): ReportShape => ({ granularity, group_by, tag_key });

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The dataset (dataset.ts), generated unless already there. */
const ensureDataset = () => ensureDatasetAt(root, DATASET);

/**
 * The rollups compaction would have built (controlplane/warehouse/rollups.ts), built by the same
 * code; a no-op, but for its listing, when they are up to date.
 */
async function ensureRollups(): Promise<{ project_days_built: number; seconds: number }> {
  const [{ openWarehouse }, { rollupTraces }] = await Promise.all([
    import("../../controlplane/warehouse/parquet-writer.ts"),
    import("../../controlplane/warehouse/rollups.ts"),
  ]);
  const warehouse = await openWarehouse(root);
  try {
    const { ms, value } = await timed(() => rollupTraces(warehouse));
    console.log(`rollups: ${value.built} project-days built in ${(ms / 1000).toFixed(1)} s`);
    return { project_days_built: value.built, seconds: round(ms / 1000) };
  } finally {
    await warehouse.close();
  }
}

/** A fresh DuckDB for one series, set as controlplane/warehouse/query.ts sets its own. */
async function freshDuckDB() {
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(navigator.hardwareConcurrency),
  });
  const connection = await instance.connect();
  await connection.run("SET parquet_metadata_cache = true");
  return {
    run: async (sql: string, values: Record<string, string>) =>
      (await connection.runAndReadAll(sql, values)).getRowObjectsJS(),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Cold: the first run on a fresh instance (median over series); warm: the runs after it. */
async function measure(
  series: number,
  open: (index: number) => Promise<{ run: () => Promise<unknown>; close: () => unknown }>,
): Promise<{ cold: number; warm: number; warmCpu: number }> {
  const cold: number[] = [];
  const warm: number[] = [];
  const warmCpu: number[] = [];
  for (let index = 0; index < series; index++) {
    const subject = await open(index);
    try {
      cold.push((await timed(subject.run)).ms);
      for (let run = 0; run < WARM_RUNS; run++) {
        const { ms, cpuMs } = await timed(subject.run);
        warm.push(ms);
        warmCpu.push(cpuMs);
      }
    } finally {
      await subject.close();
    }
  }
  return { cold: round(median(cold)), warm: round(median(warm)), warmCpu: round(median(warmCpu)) };
}

async function main(): Promise<void> {
  // Other work on the machine moves these numbers; the load average says how much there was.
  const loadAtStart = loadavg()[0] as number;
  const dataset = await ensureDataset();
  const rollups = await ensureRollups();
  const { files, bytes } = parquetFiles(root);
  const all = `${root}/project_id=*/**/*.parquet`;
  const hourGlob = (id: string) => {
    const at = new Date(requestIdTime(id) ?? 0).toISOString();
    return `${root}/project_id=*/date=${at.slice(0, 10)}/hour=${at.slice(11, 13)}/*.parquet`;
  };

  // What to ask for: the org with the most rows, and request ids spread over the window.
  const probe = await freshDuckDB();
  const orgs = await probe.run(
    `SELECT org_id, count(*) AS n FROM ${READ} GROUP BY org_id ORDER BY n DESC`,
    { files: all },
  );
  const ids = (
    await probe.run(
      `SELECT request_id FROM ${READ} USING SAMPLE ${COLD_SERIES} ROWS (reservoir, 7)`,
      { files: all },
    )
  ).map((row) => String(row.request_id));
  probe.close();
  const org = { id: String(orgs[0]?.org_id), rows: Number(orgs[0]?.n) };
  const window = {
    start: new Date(`${START}T00:00:00Z`),
    end: new Date(Date.parse(`${START}T00:00:00Z`) + DATASET.days * 86_400_000),
  };

  const rows: Row[] = [];
  const problems: string[] = [];
  const add = (
    row: Omit<Row, "cold_ms" | "warm_ms" | "warm_cpu_ms">,
    times: { cold: number; warm: number; warmCpu: number },
  ) => {
    rows.push({ ...row, cold_ms: times.cold, warm_ms: times.warm, warm_cpu_ms: times.warmCpu });
    console.log(
      `${row.measurement} (${row.via}): cold ${times.cold} ms, warm ${times.warm} ms ` +
        `(CPU ${times.warmCpu} ms)`,
    );
  };

  if (!fast) {
    add(
      {
        measurement: "report: day × model + totals",
        via: "inline SQL",
        scope: `all ${DATASET.rows} rows`,
        target_ms: 1000,
      },
      await measure(COLD_SERIES, async () => {
        const db = await freshDuckDB();
        return {
          run: async () => {
            const result = await db.run(REPORT_SQL, { files: all });
            const totals = result.find((row) => row.day === null && row.model === null);
            if (Number(totals?.requests) !== DATASET.rows)
              problems.push("inline report: wrong totals");
          },
          close: db.close,
        };
      }),
    );
  }

  const warehouseQuery = await loadWarehouseQuery();
  if (warehouseQuery.create) {
    const create = warehouseQuery.create;
    // Every report reads rollups: day cells when it is by day and neither groups nor filters by
    // end user, tag, provider key or route, slim rows otherwise (controlplane/warehouse/rollups.ts).
    const endUser = await topValue("end_user", org.id);
    const team = await topValue("tags['team']", org.id);
    // A cap as the endpoint applies it by default (group_limit 100): the groups ranked first,
    // then the report with the rest merged. Uncapped, by hour and end user a month is 1.67M
    // points (~8-9 s of CPU): not measured any more, the endpoint never asks for it.
    const top100: ReportCap = { limit: 100 };
    const reports: Array<{
      shape: ReportShape;
      filters: AnalyticsFilters;
      named: string;
      reads: string;
      cap?: ReportCap;
    }> = [
      { shape: by("day", "model"), filters: {}, named: "", reads: "day cells" },
      {
        shape: by("day", "model"),
        filters: {},
        named: ", group_limit 100",
        reads: "day cells",
        cap: top100,
      },
      { shape: by("hour", "provider"), filters: {}, named: "", reads: "slim rows" },
      { shape: by("day", "end_user"), filters: {}, named: "", reads: "slim rows" },
      {
        shape: by("day", "end_user"),
        filters: {},
        named: ", group_limit 100",
        reads: "slim rows",
        cap: top100,
      },
      {
        shape: by("hour", "end_user"),
        filters: {},
        named: ", group_limit 100",
        reads: "slim rows",
        cap: top100,
      },
      { shape: by("day", "tag", "team"), filters: {}, named: "", reads: "slim rows" },
      { shape: by("hour", "tag", "feature"), filters: {}, named: "", reads: "slim rows" },
      {
        shape: by("day", "model"),
        filters: { end_user: endUser },
        named: ", one end user",
        reads: "slim rows",
      },
      {
        shape: by("day", "end_user"),
        filters: { tag_pairs: [{ key: "team", value: team }] },
        named: `, tag team=${team}`,
        reads: "slim rows",
      },
      { shape: by("day", "provider_key"), filters: {}, named: "", reads: "slim rows" },
      { shape: by("day", "route"), filters: {}, named: "", reads: "slim rows" },
    ];
    for (const { shape, filters, named, reads, cap } of reports) {
      const dimension = shape.group_by === "tag" ? `tag:${shape.tag_key}` : shape.group_by;
      add(
        {
          measurement: `report: ${shape.granularity} × ${dimension}${named} + totals`,
          via: `query.ts report(), its default threads, ${reads}`,
          scope: `one org, ${org.rows} rows`,
          target_ms: 1000,
        },
        await measure(COLD_SERIES, async () => {
          const warehouse = await create({ root });
          return {
            run: async () => {
              const report = await warehouse.report(org.id, { ...window, ...filters }, shape, cap);
              if (Object.keys(filters).length === 0 && report.totals.requests !== org.rows) {
                problems.push(`query.ts report by ${dimension}: wrong totals`);
              }
            },
            close: () => warehouse.close(),
          };
        }),
      );
    }
    // The endpoint does more than report(): its points written as JSON by DuckDB
    // (reportJson), the answer checked against the operation's schema and encoded, and the
    // response text (report-endpoint.ts). Measured on the
    // largest answers: a month by end user, by day and by hour, with the default group_limit
    // (100), the largest (1000) by day and the largest a month by hour allows (138: 720 buckets
    // × 138 ≤ 100,000 points), unfiltered and by tag.
    const api = await import("./report-endpoint.ts");
    // The window's second half with include_comparison: the first half is reported too, split
    // by the same groups, so the org's every row is read as in a report of the whole window.
    const half = new Date((window.start.getTime() + window.end.getTime()) / 2);
    for (const { query, named } of [
      { query: { group_by: "end_user" }, named: ", group_limit 100 (default)" },
      {
        query: { group_by: "end_user", start: half.toISOString(), include_comparison: true },
        named: ", group_limit 100 (default), the second half with include_comparison",
      },
      {
        query: { group_by: "end_user", tags: `team=${team}` },
        named: `, group_limit 100 (default), tag team=${team}`,
      },
      { query: { group_by: "end_user", group_limit: 1000 }, named: ", group_limit 1000" },
      {
        query: { group_by: "end_user", granularity: "hour" },
        named: ", group_limit 100 (default)",
      },
      {
        query: { group_by: "end_user", granularity: "hour", group_limit: 138 },
        named: ", group_limit 138",
      },
    ]) {
      const granularity = "granularity" in query ? query.granularity : "day";
      add(
        {
          measurement: `GET /analytics/report: ${granularity} × end_user${named}`,
          via: "the operation's handler and response text, slim rows",
          scope: `one org, ${org.rows} rows`,
          target_ms: 1000,
        },
        await measure(COLD_SERIES, async () => {
          const warehouse = await create({ root });
          const ask = {
            start: window.start.toISOString(),
            end: window.end.toISOString(),
            ...query,
            granularity,
          };
          return {
            run: async () => {
              const bytes = await api.reportResponse(warehouse, org.id, ask);
              if (bytes < 1000) problems.push(`GET /analytics/report ${named}: ${bytes} bytes`);
            },
            close: () => warehouse.close(),
          };
        }),
      );
    }
  } else {
    console.log(`controlplane/warehouse/query.ts not measured: ${warehouseQuery.unavailable}`);
  }

  const lookup = (via: string, files: (id: string) => string, scope: string, series: number) =>
    measure(series, async (index) => {
      const db = await freshDuckDB();
      const id = ids[index % ids.length] as string;
      return {
        run: async () => {
          const found = await db.run(LOOKUP_SQL, { files: files(id), id });
          if (found[0]?.request_id !== id) problems.push(`${via}: ${id} not found`);
        },
        close: db.close,
      };
    }).then((times) =>
      add({ measurement: "log lookup by request id", via, scope, target_ms: 100 }, times),
    );

  if (!fast) {
    await lookup("naive: WHERE request_id over the whole glob", () => all, `${files} files`, 1);
  }
  await lookup(
    "directed: glob of the id's hour (requestIdTime)",
    hourGlob,
    `~${Math.round(files / (DATASET.days * 24))} files`,
    COLD_SERIES,
  );
  if (warehouseQuery.create) {
    const create = warehouseQuery.create;
    add(
      {
        measurement: "log lookup by request id",
        via: "query.ts log(), its default threads",
        scope: "the id's hour, one org",
        target_ms: 100,
      },
      await measure(COLD_SERIES, async (index) => {
        const id = ids[index % ids.length] as string;
        const orgId = await orgOf(id);
        const warehouse = await create({ root });
        return {
          run: async () => {
            const found = await warehouse.log(orgId, id);
            if (found?.request_id !== id) problems.push(`query.ts log(): ${id} not found`);
          },
          close: () => warehouse.close(),
        };
      }),
    );
  }

  const machine = {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    platform: `${platform()}-${arch()}`,
    bun: Bun.version,
    duckdb: duckdbVersion(),
    load_average: { start: round(loadAtStart), end: round(loadavg()[0] as number) },
  };
  const command = `${fast ? "BENCH_WAREHOUSE_FAST=1 " : ""}bun bench/warehouse/query.bench.ts${quick ? " --quick" : ""}`;
  const table = renderTable(rows, { coldSeries: COLD_SERIES, warmRuns: WARM_RUNS, fast });
  const datasetLine =
    `${DATASET.rows} rows over ${DATASET.days} day(s), ${DATASET.projects} projects, ` +
    `${DATASET.orgs} orgs: ${files} files, ${(bytes / 1e6).toFixed(1)} MB` +
    (dataset.generated_seconds === null
      ? ""
      : `, generated in ${dataset.generated_seconds.toFixed(1)} s${dataset.reused ? " (reused)" : ""}`) +
    `; rollups: ${rollups.project_days_built} project-days built in ${rollups.seconds} s`;
  console.log(`\nwarehouse queries, ${quick ? "quick mode" : "full run"}`);
  const machineLine =
    `${machine.cpu} (${machine.cores} cores), ${machine.platform}, bun ${machine.bun}, ` +
    `DuckDB ${machine.duckdb}; 1-minute load average ${machine.load_average.start} at the start, ` +
    `${machine.load_average.end} at the end`;
  console.log(machineLine);
  console.log(`${datasetLine}\n`);
  console.log(table);

  if (resultsDirectory) {
    mkdirSync(resultsDirectory, { recursive: true });
    const measuredAt = new Date().toISOString();
    const result = {
      measured_at: measuredAt,
      command,
      quick,
      fast,
      machine,
      dataset: { ...DATASET, start: START, files, bytes, ...dataset },
      rollups,
      rows,
    };
    writeFileSync(
      join(resultsDirectory, "warehouse-queries.json"),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    writeFileSync(
      join(resultsDirectory, "warehouse-queries.md"),
      [
        "# Warehouse queries",
        "",
        `Measured ${measuredAt} with \`${command}\` on ${machineLine}.`,
        `Dataset: ${datasetLine}.`,
        "",
        "```",
        table,
        "```",
        "",
      ].join("\n"),
    );
    console.log(`\nwritten to ${resultsDirectory}/warehouse-queries.{json,md}`);
  }
  if (problems.length > 0) {
    console.error([...new Set(problems)].join("\n"));
    process.exit(1);
  }

  /** The org's most frequent value of an expression (an end user, a tag's value). */
  async function topValue(expression: string, orgId: string): Promise<string> {
    const db = await freshDuckDB();
    try {
      const [row] = await db.run(
        `SELECT ${expression} AS value, count(*) AS n FROM ${READ}
         WHERE org_id = $org AND ${expression} IS NOT NULL GROUP BY ALL ORDER BY n DESC LIMIT 1`,
        { files: `${root}/project_id=*/date=${START}/**/*.parquet`, org: orgId },
      );
      return String(row?.value);
    } finally {
      db.close();
    }
  }

  /** The org a request belongs to, which query.ts's log() requires (the API knows it). */
  async function orgOf(id: string): Promise<string> {
    const db = await freshDuckDB();
    try {
      const [row] = await db.run(`SELECT org_id FROM ${READ} WHERE request_id = $id`, {
        files: hourGlob(id),
        id,
      });
      return String(row?.org_id);
    } finally {
      db.close();
    }
  }
}

await main();
