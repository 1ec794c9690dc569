// The experiments' own DuckDB over the warehouse (DESIGN §9): the named queries of
// sql/duckdb/experiment_*.sql with bound parameters, run in a session whose temporary tables
// (the sampled rows, the observations, the candidate's results) live as long as one run.
// Locked down like the analytics reader: only the Parquet root and a private directory are
// readable, and no setting can change after start.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  BIGINT,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBType,
  jsToDuckDBValue,
  LIST,
  STRUCT,
  TIMESTAMP,
  VARCHAR,
} from "@duckdb/node-api";
import { writeEmptyPartition } from "../warehouse/empty-files.ts";
import {
  bindParameters,
  type NamedQuery,
  readNamedQuery,
  SQL_DIRECTORY,
} from "../warehouse/named-queries.ts";
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
  const emptyFile = await writeEmptyPartition(setup, privateDirectory);
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
      return read(connection, queries[name], prefix, values);
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
  query: NamedQuery,
  prefix: string,
  values: Record<string, ParameterValue>,
) {
  const { bound, types } = bindParameters(query, values, PARAMETER_TYPES);
  return connection.runAndReadAll(prefix + query.sql, bound, types);
}

async function loadQueries(): Promise<Record<ExperimentQuery, NamedQuery>> {
  const entries = await Promise.all(
    QUERY_NAMES.map(async (name) => [name, await readNamedQuery(name, PARAMETER_TYPES)] as const),
  );
  return Object.fromEntries(entries) as Record<ExperimentQuery, NamedQuery>;
}
