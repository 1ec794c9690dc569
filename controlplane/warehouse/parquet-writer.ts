// The warehouse's files (DESIGN §9, docs/warehouse.md): request-log rows written to Parquet
// through DuckDB and made visible whole, under a local directory or `s3://bucket/prefix`.
// Readers see only names ending in `.parquet`; everything half-done carries another suffix.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type DuckDBConnection, DuckDBInstance, listValue } from "@duckdb/node-api";
import { partitionOf, REQUEST_LOG_COLUMNS } from "#shared/traces/request-log.ts";
import { openS3Storage } from "./s3-storage.ts";

export interface HourPartition {
  project_id: string;
  /** YYYY-MM-DD, UTC. */
  date: string;
  /** HH, UTC. */
  hour: string;
}

/** A file under the root, with the partition its path names. */
export interface WarehouseFile {
  path: string;
  name: string;
  partition: HourPartition;
}

/** File operations that differ between a local directory and S3. */
export interface Storage {
  readonly remote: boolean;
  /** Every file under `directory`, recursively, as full paths. */
  list(directory: string): Promise<string[]>;
  remove(paths: string[]): Promise<void>;
  removeTree(directory: string): Promise<void>;
  /** A small file's text, or null when it does not exist. */
  readText(path: string): Promise<string | null>;
  /** Writes a small file so that it survives a crash once this resolves. */
  writeText(path: string, text: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Makes a written file survive a crash (local: fsync it and its directory; S3: already so). */
  persist(path: string): Promise<void>;
  /** Makes the fully written `temporary` visible as `final`, durably. */
  publish(temporary: string, final: string): Promise<void>;
  /** When the file was last written, in ms since the epoch. */
  modifiedAt(path: string): Promise<number>;
}

export interface Warehouse {
  readonly root: string;
  readonly storage: Storage;
  /** The ingester's connection (and everything done under `exclusive`). */
  readonly duckdb: DuckDBConnection;
  /** A second connection, so compaction can merge an hour while the ingester writes. */
  readonly maintenance: DuckDBConnection;
  /** Runs `task` alone: ingestion, compaction and retention never touch files at once. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const COLUMN_ENTRIES = Object.entries(REQUEST_LOG_COLUMNS) as [
  keyof typeof REQUEST_LOG_COLUMNS,
  string,
][];

// Built once from the column declaration (constants, never input); values are bound parameters.
const JSON_COLUMNS = `{${COLUMN_ENTRIES.map(([name, type]) => `${name}: '${type}'`).join(", ")}}`;
const WRITE_ROWS_SQL = `COPY (
  SELECT ${COLUMN_ENTRIES.map(([name]) => name).join(", ")}
  FROM read_json($staging, format = 'newline_delimited', columns = ${JSON_COLUMNS},
                 maximum_object_size = 268435456)
) TO $target (FORMAT parquet, COMPRESSION zstd)`;
const READ_IDS_SQL =
  "SELECT DISTINCT request_id FROM read_parquet($files, hive_partitioning = false, union_by_name = true)";

type Row = Record<string, unknown>;
const PATH_SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const PARTITION_PATH = /project_id=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/([^/]+)$/;

export async function openWarehouse(root: string): Promise<Warehouse> {
  const instance = await DuckDBInstance.create(":memory:");
  const duckdb = await instance.connect();
  const maintenance = await instance.connect();
  const remote = root.startsWith("s3://");
  const storage = remote ? await openS3Storage(root, duckdb) : localStorage();
  // Absolute and normalised, so the paths built here match the paths listings return.
  const normalised = remote ? root.replace(/\/+$/, "") : resolve(root);
  if (!remote) mkdirSync(normalised, { recursive: true });
  let queue: Promise<unknown> = Promise.resolve();
  return {
    root: normalised,
    storage,
    duckdb,
    maintenance,
    exclusive<T>(task: () => Promise<T>): Promise<T> {
      const run = queue.then(task, task);
      queue = run.catch(() => {});
      return run;
    },
    async close() {
      await queue;
      duckdb.closeSync();
      maintenance.closeSync();
      instance.closeSync();
    },
  };
}

export function hourDirectory(root: string, partition: HourPartition): string {
  return `${root}/project_id=${partition.project_id}/date=${partition.date}/hour=${partition.hour}`;
}

/** The files under the root that sit in a partition directory, Parquet or not. */
export async function listWarehouseFiles(
  warehouse: Warehouse,
  directory = warehouse.root,
): Promise<WarehouseFile[]> {
  const files: WarehouseFile[] = [];
  for (const path of await warehouse.storage.list(directory)) {
    const match = PARTITION_PATH.exec(path);
    if (!match) continue;
    const [, project_id = "", date = "", hour = "", name = ""] = match;
    files.push({ path, name, partition: { project_id, date, hour } });
  }
  return files;
}

export const isParquet = (name: string) => name.endsWith(".parquet");

/**
 * Writes rows (shaped by `storedRow`) to one new Parquet file in `directory` and returns its
 * path. Locally the file is written under a temporary name, fsynced, renamed into place and the
 * directory fsynced; on S3 the PUT is atomic.
 */
export async function writeRows(
  warehouse: Warehouse,
  directory: string,
  rows: Row[],
): Promise<string> {
  const name = `batch-${crypto.randomUUID()}.parquet`;
  const final = `${directory}/${name}`;
  const staging = mkdtempSync(join(tmpdir(), "modelux-ingest-"));
  try {
    const stagingFile = join(staging, "rows.ndjson");
    await writeNdjson(stagingFile, rows);
    if (warehouse.storage.remote) {
      await warehouse.duckdb.run(WRITE_ROWS_SQL, { staging: stagingFile, target: final });
    } else {
      mkdirSync(directory, { recursive: true });
      const temporary = `${final}.tmp`;
      try {
        await warehouse.duckdb.run(WRITE_ROWS_SQL, { staging: stagingFile, target: temporary });
        await warehouse.storage.publish(temporary, final);
      } catch (error) {
        rmSync(temporary, { force: true });
        throw error;
      }
    }
    return final;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Rows as NDJSON, written line by line through a buffered sink: joining 50,000 rows into one
 * string first took a fifth of the ingester's JavaScript time (and a copy of the whole batch).
 */
async function writeNdjson(path: string, rows: Row[]): Promise<void> {
  const sink = Bun.file(path).writer({ highWaterMark: 1024 * 1024 });
  try {
    for (const row of rows) {
      sink.write(JSON.stringify(row));
      sink.write("\n");
    }
  } finally {
    await sink.end();
  }
}

/** The distinct request ids stored in the given Parquet files. */
export async function readRequestIds(warehouse: Warehouse, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const result = await warehouse.duckdb.runAndReadAll(READ_IDS_SQL, { files: listValue(files) });
  return result.getRowObjects().map((row) => String(row.request_id));
}

/**
 * A bus record shaped by the column declaration, leniently: a missing or mistyped column is
 * null. Without a request id, a path-safe project id or a timestamp it cannot be stored, and
 * the reason is returned instead.
 */
export function storedRow(
  record: Record<string, unknown>,
): { row: Row; requestId: string; partition: HourPartition } | string {
  const requestId = record.request_id;
  if (typeof requestId !== "string" || requestId === "") return "no request_id";
  const projectId = record.project_id;
  if (typeof projectId !== "string" || !PATH_SAFE_ID.test(projectId)) {
    return "project_id missing or not a path-safe id";
  }
  const createdAt = timestamp(record.created_at);
  if (createdAt === null) return "created_at missing or not a timestamp";
  const row: Row = {};
  for (const [column, type] of COLUMN_ENTRIES) row[column] = coerce(type, record[column]);
  row.request_id = requestId;
  row.created_at = createdAt;
  return { row, requestId, partition: { project_id: projectId, ...partitionOf(createdAt) } };
}

function coerce(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "VARCHAR":
      return typeof value === "string" ? value : JSON.stringify(value);
    case "INTEGER":
    case "BIGINT": {
      const number = typeof value === "string" ? Number(value) : value;
      if (typeof number !== "number" || !Number.isFinite(number)) return null;
      const integer = Math.trunc(number);
      const limit = type === "INTEGER" ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
      return Math.abs(integer) <= limit ? integer : null;
    }
    case "DOUBLE": {
      const number = typeof value === "string" ? Number(value) : value;
      return typeof number === "number" && Number.isFinite(number) ? number : null;
    }
    case "BOOLEAN":
      return typeof value === "boolean" ? value : null;
    case "TIMESTAMP":
      return timestamp(value);
    default: // MAP(VARCHAR, VARCHAR)
      if (typeof value !== "object" || Array.isArray(value)) return null;
      return Object.fromEntries(
        Object.entries(value as Row)
          .filter(([, entry]) => entry !== null && entry !== undefined)
          .map(([key, entry]) => [key, typeof entry === "string" ? entry : JSON.stringify(entry)]),
      );
  }
}

/** ISO 8601 UTC with a four-digit year, or null. */
function timestamp(value: unknown): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  return /^\d{4}-/.test(iso) ? iso : null;
}

/** Local disk: fsync before rename and after, so a crash leaves the old state or the new. */
function localStorage(): Storage {
  const fsync = (path: string) => {
    const descriptor = openSync(path, "r");
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
  };
  return {
    remote: false,
    async list(directory) {
      if (!existsSync(directory)) return [];
      return readdirSync(directory, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name));
    },
    async remove(paths) {
      const directories = new Set<string>();
      for (const path of paths) {
        rmSync(path, { force: true });
        directories.add(dirname(path));
      }
      for (const directory of directories) if (existsSync(directory)) fsync(directory);
    },
    async removeTree(directory) {
      rmSync(directory, { recursive: true, force: true });
      if (existsSync(dirname(directory))) fsync(dirname(directory));
    },
    async readText(path) {
      return existsSync(path) ? readFileSync(path, "utf8") : null;
    },
    async writeText(path, text) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      fsync(path);
      fsync(dirname(path));
    },
    async exists(path) {
      return existsSync(path);
    },
    async persist(path) {
      fsync(path);
      fsync(dirname(path));
    },
    async publish(temporary, final) {
      fsync(temporary);
      renameSync(temporary, final);
      fsync(dirname(final));
    },
    async modifiedAt(path) {
      return existsSync(path) ? statSync(path).mtimeMs : 0;
    },
  };
}
