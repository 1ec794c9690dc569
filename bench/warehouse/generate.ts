// Synthetic request-log rows for the warehouse benchmark, written straight to the Hive layout
// of DESIGN §9 by DuckDB (no row passes through JavaScript). Deterministic for a seed.
// `bun run warehouse:generate -- --rows 10000000 --root <dir> [--days 30] [--seed 1]`
// The world (world.ts), the seeded draws (random.ts), the traffic shape (traffic.ts), the joined
// tables (dimensions.ts) and the row query (day-rows.ts) live beside this file.
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { MACROS, MATERIALIZE_DAY, writeDay } from "./day-rows.ts";
import { createDimensions } from "./dimensions.ts";
import { prng } from "./random.ts";
import { dayBlocks, rowsPerDay } from "./traffic.ts";
import { DAY_MS } from "./world.ts";

export interface GenerateOptions {
  /** Directory that receives `project_id=…/date=…/hour=…/compacted-<uuid>.parquet`. */
  root: string;
  rows: number;
  days?: number;
  projects?: number;
  orgs?: number;
  seed?: number;
  /** First UTC day, YYYY-MM-DD. */
  start?: string;
  /** DuckDB threads; every core by default. */
  threads?: number;
}

export interface GenerateResult {
  rows: number;
  files: number;
  bytes: number;
  seconds: number;
}

export async function generateTraces(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const days = options.days ?? 30;
  const seed = options.seed ?? 1;
  const startMs = Date.parse(`${options.start ?? "2026-10-01"}T00:00:00Z`);
  const perDay = rowsPerDay(options.rows, days, startMs);
  const firstRow = perDay.map((_, day) => perDay.slice(0, day).reduce((sum, n) => sum + n, 0));
  mkdirSync(options.root, { recursive: true });
  let nextDay = 0;
  // Lanes, one single-threaded DuckDB per core, each taking the next day: writing a file per
  // partition runs on one thread anyway, and a day at a time bounds memory (10M rows over 30
  // days: 1.2 GB peak RSS for the process with two lanes).
  const lane = async () => {
    const instance = await DuckDBInstance.create(":memory:", {
      threads: "1",
      memory_limit: "2GB",
      // Joins as written, the small dimension tables as build sides: rows then come out in the
      // order they are generated, so each partition's rows are one run of row ids.
      disabled_optimizers: "join_order,build_side_probe_side",
    });
    const connection = await instance.connect();
    try {
      for (const macro of MACROS) await connection.run(macro);
      await createDimensions(connection, {
        seed,
        projects: options.projects ?? 20,
        orgs: options.orgs ?? 5,
        startMs,
      });
      for (let day = nextDay++; day < days; day = nextDay++) {
        const count = perDay[day] ?? 0;
        if (count === 0) continue;
        const blocks = dayBlocks(count, options.projects ?? 20, prng(seed * 1000 + day));
        let first = firstRow[day] ?? 0;
        const firsts = blocks.map((block) => {
          first += block.rows;
          return first - block.rows;
        });
        await connection.run(MATERIALIZE_DAY, {
          seed,
          block_projects: JSON.stringify(blocks.map((block) => block.project)),
          block_hours: JSON.stringify(blocks.map((block) => block.hour)),
          block_rows: JSON.stringify(blocks.map((block) => block.rows)),
          block_firsts: JSON.stringify(firsts),
          day_ms: startMs + day * DAY_MS,
          day_fraction: (day + 1) / days,
        });
        await writeDay(connection, options.root);
        // Dropped now, not replaced by the next day: two days in memory at once would double it.
        await connection.run("DROP TABLE day");
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  };
  const lanes = Math.max(1, Math.min(days, options.threads ?? navigator.hardwareConcurrency));
  await Promise.all(Array.from({ length: lanes }, lane));
  const { files, bytes } = parquetFiles(options.root);
  return { rows: options.rows, files, bytes, seconds: (performance.now() - started) / 1000 };
}

/** The request-log Parquet files under a root (not its rollups) and their total size. */
export function parquetFiles(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(root, { recursive: true, encoding: "utf8" })) {
    if (!entry.endsWith(".parquet") || !entry.startsWith("project_id=")) continue;
    files++;
    bytes += statSync(join(root, entry)).size;
  }
  return { files, bytes };
}

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : undefined;
}

if (import.meta.main) {
  const rootIndex = process.argv.indexOf("--root");
  const root = rootIndex >= 0 ? `${process.argv[rootIndex + 1]}` : "bench/.data/warehouse";
  const result = await generateTraces({
    root,
    rows: flag("rows") ?? 1_000_000,
    days: flag("days"),
    projects: flag("projects"),
    seed: flag("seed"),
    threads: flag("threads"),
  });
  console.log(
    `${result.rows} rows, ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB in ${root}, ` +
      `${result.seconds.toFixed(1)} s`,
  );
}
