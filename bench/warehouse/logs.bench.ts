// The dashboard's logs page over the benchmark's 10M-row warehouse (docs/dashboard.md, "Fast on
// a real log"): list_logs as the REST operation runs it (controlplane/modules/logs/service.ts over
// controlplane/warehouse/query.ts), for the largest org: the first page, filtered first pages,
// and the pages the next cursor opens. Cold is the first call on a fresh warehouse reader (a
// fresh DuckDB), warm the median of the calls after it; the load average is printed beside.
// `bun bench/warehouse/logs.bench.ts` (`--quick`: the 200k-row dataset). Writes nothing.
import { loadavg } from "node:os";
import { DuckDBInstance } from "@duckdb/node-api";
import { listLogs } from "../../controlplane/modules/logs/service.ts";
import { createWarehouseQuery } from "../../controlplane/warehouse/query.ts";
import { datasetOf, datasetRoot, ensureDataset, START } from "./dataset.ts";
import { median, timed } from "./timing.ts";

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const DATASET = datasetOf(quick);
const root = datasetRoot(quick);
const WARM_RUNS = quick ? 2 : 5;
const PAGE = 50;

type Query = Parameters<typeof listLogs>[2];

/** The largest org, a trace id of it from the last day, and its most used route. */
async function probe(lastDate: string) {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const read = `read_parquet($files, hive_partitioning = true, union_by_name = true)`;
  const day = `${root}/project_id=*/date=${START}/**/*.parquet`;
  const latestDay = `${root}/project_id=*/date=${lastDate}/**/*.parquet`;
  try {
    const rows = async (sql: string, values: Record<string, string>) =>
      (await connection.runAndReadAll(sql, values)).getRowObjectsJS();
    const [org] = await rows(
      `SELECT org_id, count(*) AS n FROM ${read} GROUP BY org_id ORDER BY n DESC LIMIT 1`,
      { files: day },
    );
    const orgId = String(org?.org_id);
    const [trace] = await rows(
      `SELECT trace_id FROM ${read} WHERE org_id = $org AND trace_id IS NOT NULL LIMIT 1`,
      { files: latestDay, org: orgId },
    );
    const [route] = await rows(
      `SELECT config_slug, count(*) AS n FROM ${read} WHERE org_id = $org
       AND config_slug IS NOT NULL GROUP BY ALL ORDER BY n DESC LIMIT 1`,
      { files: day, org: orgId },
    );
    return {
      orgId,
      traceId: trace?.trace_id ? String(trace.trace_id) : null,
      route: String(route?.config_slug),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function main() {
  const dataset = await ensureDataset(root, DATASET);
  const end = new Date(Date.parse(`${START}T00:00:00Z`) + DATASET.days * 86_400_000);
  const lastDay = new Date(end.getTime() - 86_400_000).toISOString();
  const { orgId, traceId, route } = await probe(lastDay.slice(0, 10));

  // The cursor of a page, from a reader kept for it.
  const cursorAfter = async (query: Query, pages: number) => {
    const warehouse = await createWarehouseQuery({ root });
    try {
      let cursor: string | undefined;
      for (let page = 0; page < pages; page++) {
        const result = await listLogs(warehouse, orgId, { ...query, limit: PAGE, cursor });
        cursor = result.next_cursor ?? undefined;
      }
      return cursor;
    } finally {
      await warehouse.close();
    }
  };

  const cases: Array<{ name: string; query: () => Promise<Query> }> = [
    { name: "first page, no filter (whole history)", query: async () => ({}) },
    { name: "first page, the last 24 hours", query: async () => ({ start: lastDay }) },
    {
      name: "page 2 (next cursor), no filter",
      query: async () => ({ cursor: await cursorAfter({}, 1) }),
    },
    {
      name: "page 21 (cursor after 20 pages), no filter",
      query: async () => ({ cursor: await cursorAfter({}, 20) }),
    },
    {
      name: "first page, status 5xx and model gpt-4o",
      query: async () => ({ status_class: "5xx", model: "gpt-4o" }),
    },
    { name: `first page, route @${route}`, query: async () => ({ route }) },
    {
      name: "page 2 (next cursor), status 5xx and model gpt-4o",
      query: async () => ({
        status_class: "5xx",
        model: "gpt-4o",
        cursor: await cursorAfter({ status_class: "5xx", model: "gpt-4o" }, 1),
      }),
    },
    ...(traceId
      ? [
          {
            // The dashboard's default window: what its trace id box searches first.
            name: "one trace id, the last 24 hours (a few rows match)",
            query: async (): Promise<Query> => ({ trace_id: traceId, start: lastDay }),
          },
          {
            name: "one trace id, the whole history (every file read)",
            query: async (): Promise<Query> => ({ trace_id: traceId }),
          },
        ]
      : []),
  ];

  console.log(
    `list_logs over ${DATASET.rows} rows, ${DATASET.days} day(s), org ${orgId}` +
      `${dataset.reused ? " (dataset reused)" : ""}; ${PAGE} a page`,
  );
  console.log("case | cold ms | warm ms (median) | warm CPU ms | rows | load average (1 min)");
  for (const { name, query: build } of cases) {
    const query = { ...(await build()), limit: PAGE };
    const warehouse = await createWarehouseQuery({ root });
    try {
      const cold = await timed(() => listLogs(warehouse, orgId, query));
      const warm: number[] = [];
      const cpu: number[] = [];
      for (let run = 0; run < WARM_RUNS; run++) {
        const again = await timed(() => listLogs(warehouse, orgId, query));
        warm.push(again.ms);
        cpu.push(again.cpuMs);
      }
      console.log(
        `${name} | ${cold.ms.toFixed(0)} | ${median(warm).toFixed(0)} | ` +
          `${median(cpu).toFixed(0)} | ${cold.value.data.length} | ` +
          `${(loadavg()[0] as number).toFixed(2)}`,
      );
    } finally {
      await warehouse.close();
    }
  }
}

await main();
