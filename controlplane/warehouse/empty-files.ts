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

/** A zero-row rollup cells file (`no_rollup_cells()` of request_logs.sql, which must be loaded). */
export async function writeEmptyRollup(
  connection: DuckDBConnection,
  directory: string,
): Promise<string> {
  const path = join(directory, "no-cells.parquet");
  await connection.run(
    "COPY (FROM no_rollup_cells()) TO $target (FORMAT parquet)",
    { target: path },
    { target: VARCHAR },
  );
  return path;
}

/** A zero-row slim rows file (`no_slim_rows()` of request_logs.sql, which must be loaded). */
export async function writeEmptySlim(
  connection: DuckDBConnection,
  directory: string,
): Promise<string> {
  const path = join(directory, "no-slim.parquet");
  await connection.run(
    "COPY (FROM no_slim_rows()) TO $target (FORMAT parquet)",
    { target: path },
    { target: VARCHAR },
  );
  return path;
}

/** A zero-row group counts file (`no_group_counts()` of request_logs.sql, which must be loaded). */
export async function writeEmptyGroups(
  connection: DuckDBConnection,
  directory: string,
): Promise<string> {
  const path = join(directory, "no-groups.parquet");
  await connection.run(
    "COPY (FROM no_group_counts()) TO $target (FORMAT parquet)",
    { target: path },
    { target: VARCHAR },
  );
  return path;
}
