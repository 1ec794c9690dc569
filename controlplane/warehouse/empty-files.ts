// Zero-row files the warehouse's readers hand DuckDB when there is nothing to read: it refuses an
// empty file list or a glob that matches nothing.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type DuckDBConnection, VARCHAR } from "@duckdb/node-api";
import { REQUEST_LOG_COLUMNS } from "#shared/traces/request-log.ts";

/**
 * A zero-row request-log file with every column, laid out as one partition. Its SELECT list comes
 * from REQUEST_LOG_COLUMNS, the schema's one declaration, never from input.
 */
export async function writeEmptyPartition(
  connection: DuckDBConnection,
  directory: string,
): Promise<string> {
  const partition = join(directory, "empty", "project_id=none", "date=1970-01-01", "hour=00");
  mkdirSync(partition, { recursive: true });
  const columns = Object.entries(REQUEST_LOG_COLUMNS)
    .map(([name, type]) => `CAST(NULL AS ${type}) AS "${name}"`)
    .join(", ");
  const path = join(partition, "empty.parquet");
  await connection.run(
    `COPY (SELECT ${columns} LIMIT 0) TO $target (FORMAT parquet)`,
    { target: path },
    { target: VARCHAR },
  );
  return path;
}

/**
 * The zero-row rollup files, each typed by its macro of request_logs.sql (which must be loaded):
 * day cells (`no_rollup_cells()`), slim rows (`no_slim_rows()`) and group counts
 * (`no_group_counts()`).
 */
const EMPTY_ROLLUP_FILES = {
  cells: { macro: "no_rollup_cells", name: "no-cells.parquet" },
  slim: { macro: "no_slim_rows", name: "no-slim.parquet" },
  groups: { macro: "no_group_counts", name: "no-groups.parquet" },
} as const;

/** A zero-row rollup file of `kind` in `directory`. */
export async function writeEmptyRollup(
  connection: DuckDBConnection,
  directory: string,
  kind: keyof typeof EMPTY_ROLLUP_FILES,
): Promise<string> {
  const { macro, name } = EMPTY_ROLLUP_FILES[kind];
  const path = join(directory, name);
  await connection.run(
    `COPY (FROM ${macro}()) TO $target (FORMAT parquet)`,
    { target: path },
    { target: VARCHAR },
  );
  return path;
}
