// The experiments' own DuckDB over the warehouse (DESIGN §9): the named queries of
// sql/duckdb/experiment_*.sql with bound parameters, run in a session whose temporary tables
// (the sampled rows, the observations, the candidate's results) live as long as one run.
// Locked down like the analytics reader: only the Parquet root and a private directory are
// readable, and no setting can change after start.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  BIGINT,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBType,
  type DuckDBValue,
  jsToDuckDBValue,
  LIST,
  STRUCT,
  TIMESTAMP,
  VARCHAR,
} from "@duckdb/node-api";
import { REQUEST_LOG_COLUMNS } from "#shared/traces/request-log.ts";
import { filesByDay, type PartitionWindow } from "../warehouse/partition-files.ts";
import { openS3Storage } from "../warehouse/s3-storage.ts";

const QUERY_NAMES = [
  "experiment_rows",
  "experiment_observations",
  "experiment_profiles",
  "experiment_summary",
  "experiment_diff",
  "experiment_content_rows",
  "experiment_content_coverage",
  "experiment_sent_rows",
] as const;
export type ExperimentQuery = (typeof QUERY_NAMES)[number];

/** Every parameter the experiment queries use, typed so that a NULL is typed too. */
const PARAMETER_TYPES: Record<string, DuckDBType> = {
  files: LIST(VARCHAR),
  org_id: VARCHAR,
  project_id: VARCHAR,
  start: TIMESTAMP,
  end: TIMESTAMP,
  config_slug: VARCHAR,
  model: VARCHAR,
  end_user: VARCHAR,
  tag_pairs: LIST(STRUCT({ key: VARCHAR, value: VARCHAR })),
  sample_size: BIGINT,
  seed: VARCHAR,
  top_transitions: BIGINT,
};

export type ParameterValue =
  | string
  | string[]
  | number
  | Date
  | Array<{ key: string; value: string }>
  | null
  | undefined;
export type Columns = Record<string, unknown[]>;
export type Row = Record<string, unknown>;

/** The candidate side's table, appended row by row from JavaScript. */
const CANDIDATES_TABLE = `CREATE TEMP TABLE experiment_candidates (
  request_id VARCHAR, model VARCHAR, provider VARCHAR, status INTEGER, cost_usd DOUBLE,
  latency_ms DOUBLE, borrowed BOOLEAN, attempts INTEGER)`;

export interface CandidateResultRow {
  requestId: string;
  model: string | null;
  provider: string | null;
  status: number;
  costUsd: number;
  latencyMs: number | null;
  /** The outcome was taken from the recorded request (no observations of the model). */
  borrowed: boolean;
  attempts: number;
}

export interface ExperimentSession {
  /**
   * `CREATE TEMP TABLE <table> AS <named query>` over the files that can hold `window`'s rows;
   * returns the table's row count.
   */
  materialize(
    table: string,
    name: ExperimentQuery,
    window: PartitionWindow,
    values: Record<string, ParameterValue>,
  ): Promise<number>;
  /**
   * A table's columns as JavaScript arrays (BIGINT as bigint: select DOUBLE where it matters),
   * in the table's order; with `every`, only every `every`-th row.
   */
  tableColumns(table: string, columns: readonly string[], every?: number): Promise<Columns>;
  /** One column of a table's first row, as a number (0 when the table is empty). */
  scalar(table: string, column: string): Promise<number>;
  /** A named query's rows, plain JavaScript values. */
  rows(name: ExperimentQuery, values?: Record<string, ParameterValue>): Promise<Row[]>;
  appendCandidates(rows: readonly CandidateResultRow[]): Promise<void>;
  close(): void;
}

export interface ExperimentWarehouse {
  readonly root: string;
  session(): Promise<ExperimentSession>;
  close(): Promise<void>;
}

const SQL_DIRECTORY = new URL("../../sql/duckdb/", import.meta.url);
const MISSING_FILES = /No files found that match the pattern/;

export async function openExperimentWarehouse(options: {
  root: string;
  threads?: number;
}): Promise<ExperimentWarehouse> {
  const remote = options.root.startsWith("s3://");
  const root = remote ? options.root.replace(/\/+$/, "") : resolve(options.root);
  // The root becomes a glob: a metacharacter in it would widen what DuckDB may read.
  if (/[*?[\]{}]/.test(root)) throw new Error(`traces root must not contain * ? [ ] { }: ${root}`);
  const queries = await loadQueries();
  const privateDirectory = mkdtempSync(join(tmpdir(), "modelux-experiments-"));
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(options.threads ?? 2),
  });
  const setup = await instance.connect();
  if (remote) await openS3Storage(root, setup);
  // Footers are read once per file, not once per query.
  await setup.run("SET parquet_metadata_cache = true");
  await setup.run(
    `SET allowed_directories = $directories`,
    { directories: jsToDuckDBValue([`${root}/`, `${privateDirectory}/`], LIST(VARCHAR)) },
    { directories: LIST(VARCHAR) },
  );
  await setup.run(`SET enable_external_access = false`);
  await setup.run(`SET lock_configuration = true`);
  await setup.run(await Bun.file(new URL("request_logs.sql", SQL_DIRECTORY)).text());
  const emptyFile = await writeEmptyFile(setup, privateDirectory);
  setup.closeSync();

  /** The window's files; a remote root is one glob. */
  const filesOf = async (window: PartitionWindow): Promise<string[]> => {
    if (remote) return [`${root}/project_id=*/**/*.parquet`];
    const files = (await filesByDay(root, window)).flatMap((day) => day.files);
    return files.length > 0 ? files : [emptyFile];
  };

  async function session(): Promise<ExperimentSession> {
    const connection = await instance.connect();
    const run = (name: ExperimentQuery, prefix: string, values: Record<string, ParameterValue>) => {
      const query = queries[name];
      return read(connection, prefix + query.sql, query.parameters, values);
    };
    return {
      async materialize(table, name, window, values) {
        if (!/^experiment_[a-z_]+$/.test(table)) throw new Error(`bad table name ${table}`);
        // Compaction may replace a listed file before DuckDB opens it: list again, once. A
        // remote glob matching nothing is a root without rows yet.
        for (let attempt = 0; ; attempt++) {
          const files = await filesOf(window);
          try {
            await run(name, `CREATE TEMP TABLE ${table} AS `, { ...values, files });
            break;
          } catch (error) {
            if (!MISSING_FILES.test(String(error))) throw error;
            if (remote) {
              await run(name, `CREATE TEMP TABLE ${table} AS `, { ...values, files: [emptyFile] });
              break;
            }
            if (attempt > 0) throw error;
          }
        }
        const count = await connection.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${table}`);
        return Number(count.getColumnsObjectJS().n?.[0] ?? 0);
      },
      async tableColumns(table, columns, every = 1) {
        if (!/^experiment_[a-z_]+$/.test(table)) throw new Error(`bad table name ${table}`);
        const list = columns.map((column) => `"${column.replaceAll('"', "")}"`).join(", ");
        const thinned = every > 1 ? "WHERE rowid % $every = 0" : "";
        const reader = await connection.runAndReadAll(
          `SELECT ${list} FROM ${table} ${thinned} ORDER BY rowid`,
          every > 1 ? { every: Math.floor(every) } : {},
          every > 1 ? { every: BIGINT } : {},
        );
        return reader.getColumnsObjectJS() as Columns;
      },
      async scalar(table, column) {
        if (!/^experiment_[a-z_]+$/.test(table) || !/^[a-z_]+$/.test(column))
          throw new Error(`bad column ${table}.${column}`);
        const reader = await connection.runAndReadAll(`SELECT ${column} FROM ${table} LIMIT 1`);
        return Number(reader.getRowsJS()[0]?.[0] ?? 0);
      },
      async rows(name, values = {}) {
        const reader = await run(name, "", values);
        return reader.getRowObjectsJS() as Row[];
      },
      async appendCandidates(rows) {
        await connection.run(CANDIDATES_TABLE);
        const appender = await connection.createAppender("experiment_candidates");
        try {
          for (const row of rows) appendCandidate(appender, row);
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
      },
      close: () => connection.closeSync(),
    };
  }

  return {
    root,
    session,
    async close() {
      instance.closeSync();
      rmSync(privateDirectory, { recursive: true, force: true });
    },
  };
}

function appendCandidate(appender: DuckDBAppender, row: CandidateResultRow): void {
  appender.appendVarchar(row.requestId);
  if (row.model === null) appender.appendNull();
  else appender.appendVarchar(row.model);
  if (row.provider === null) appender.appendNull();
  else appender.appendVarchar(row.provider);
  appender.appendInteger(row.status);
  appender.appendDouble(row.costUsd);
  if (row.latencyMs === null) appender.appendNull();
  else appender.appendDouble(row.latencyMs);
  appender.appendBoolean(row.borrowed);
  appender.appendInteger(row.attempts);
  appender.endRow();
}

async function read(
  connection: DuckDBConnection,
  sql: string,
  parameters: readonly string[],
  values: Record<string, ParameterValue>,
) {
  const bound: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const name of parameters) {
    const type = PARAMETER_TYPES[name] as DuckDBType;
    types[name] = type;
    // biome-ignore lint/suspicious/noExplicitAny: the value matches its declared type
    bound[name] = jsToDuckDBValue((values[name] ?? null) as any, type);
  }
  return connection.runAndReadAll(sql, bound, types);
}

/** Each file's SQL (its trailing `;` dropped, so it can follow CREATE … AS) and parameters. */
async function loadQueries() {
  const entries = await Promise.all(
    QUERY_NAMES.map(async (name) => {
      const text = await Bun.file(new URL(`${name}.sql`, SQL_DIRECTORY)).text();
      const sql = text.trim().replace(/;$/, "");
      const code = sql.replace(/--[^\n]*/g, "");
      const parameters = [
        ...new Set([...code.matchAll(/\$([a-z_]+)/g)].map((m) => m[1] as string)),
      ];
      for (const parameter of parameters)
        if (!PARAMETER_TYPES[parameter])
          throw new Error(`${name}.sql: unknown parameter $${parameter}`);
      return [name, { sql, parameters }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<
    ExperimentQuery,
    { sql: string; parameters: string[] }
  >;
}

/**
 * A zero-row file with every column, in a partition layout, read instead of a root that has no
 * files yet. Built from REQUEST_LOG_COLUMNS (constants), never from input.
 */
async function writeEmptyFile(connection: DuckDBConnection, directory: string): Promise<string> {
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
