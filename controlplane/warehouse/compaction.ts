// Compaction (DESIGN §9): an hour that is over has its small files merged into one, each request
// id once (the first by created_at); then the rollups of the days that changed are rebuilt
// (rollups.ts). A crash at any point leaves each row visible at most once; it may hide an hour's
// rows until the next run finishes the job (docs/warehouse.md):
//   1. write `compacted-<id>.parquet.pending` (invisible to readers) and make it durable;
//   2. write the intent `compacted-<id>.intent` naming the inputs, durably;
//   3. delete the inputs;
//   4. publish the pending file as `compacted-<id>.parquet`;
//   5. delete the intent.
// A run first finishes every intent it finds (3-5 again) and removes pending files that have
// none (a crash before 2: the inputs are still there).
import { listValue } from "@duckdb/node-api";
import type { Logger } from "#shared/log.ts";
import {
  COLUMN_ENTRIES,
  type HourPartition,
  hourDirectory,
  isParquet,
  listWarehouseFiles,
  type Warehouse,
  type WarehouseFile,
} from "./parquet-writer.ts";
import { rollupTraces } from "./rollups.ts";

export interface CompactionOptions {
  /** Hours that ended before this are compacted. */
  now?: Date;
  log?: Logger;
}

export interface CompactionResult {
  /** Hours merged into one file. */
  hours: number;
  filesMerged: number;
  rowsRead: number;
  rowsWritten: number;
  /** Interrupted compactions finished and leftovers removed. */
  recovered: number;
  /** Project-days whose rollup (rollups.ts) was built again. */
  rolledUp: number;
}

const PENDING = ".pending";
const INTENT = ".intent";
const TEMPORARY = ".tmp";
// A temporary file of the ingester older than this belongs to a write that crashed.
const STALE_TEMPORARY_MS = 10 * 60_000;

const DESCRIBE_SQL =
  "DESCRIBE SELECT * FROM read_parquet($files, hive_partitioning = false, union_by_name = true)";

interface Intent {
  output: string;
  inputs: string[];
}

export async function compactTraces(
  warehouse: Warehouse,
  options: CompactionOptions = {},
): Promise<CompactionResult> {
  const now = options.now ?? new Date();
  const result: CompactionResult = {
    hours: 0,
    filesMerged: 0,
    rowsRead: 0,
    rowsWritten: 0,
    recovered: 0,
    rolledUp: 0,
  };
  const byHour = new Map<string, { partition: HourPartition; files: WarehouseFile[] }>();
  for (const file of await listWarehouseFiles(warehouse)) {
    const key = hourDirectory(warehouse.root, file.partition);
    const entry = byHour.get(key) ?? { partition: file.partition, files: [] };
    byHour.set(key, entry);
    entry.files.push(file);
  }
  for (const [directory, { partition, files }] of byHour) {
    result.recovered += await warehouse.exclusive(() => recover(warehouse, files, now));
    if (!hourIsOver(partition, now)) continue;
    // Listed again after recovery. The ingester may add a late file meanwhile; only compaction
    // and retention (which never run at once) delete, so the inputs stay until step 3.
    const inputs = (await warehouse.storage.list(directory)).filter(isParquet).sort();
    if (inputs.length < 2) continue;
    const name = `compacted-${crypto.randomUUID()}`;
    const intent = { output: `${directory}/${name}.parquet`, inputs };
    // Step 1 takes the time and needs no turn: the ingester keeps writing meanwhile.
    const merged = await merge(warehouse, intent);
    await warehouse.exclusive(async () => {
      await warehouse.storage.writeText(`${directory}/${name}${INTENT}`, JSON.stringify(intent));
      await finish(warehouse, directory, name, intent);
    });
    result.hours++;
    result.filesMerged += inputs.length;
    result.rowsRead += merged.rowsRead;
    result.rowsWritten += merged.rowsWritten;
    options.log?.(
      `compacted ${directory.slice(warehouse.root.length + 1)}: ${inputs.length} files, ` +
        `${merged.rowsRead} rows -> ${merged.rowsWritten}`,
    );
  }
  // The closed hours are final now (until a late file arrives): summarise what changed.
  result.rolledUp = (
    await rollupTraces(warehouse, { now, ...(options.log ? { log: options.log } : {}) })
  ).built;
  return result;
}

/** Step 1: the inputs merged into the pending file, made durable. */
async function merge(warehouse: Warehouse, { output, inputs }: Intent) {
  const { storage, maintenance: duckdb } = warehouse;
  const pending = `${output}${PENDING}`;
  const present = new Set(
    (await duckdb.runAndReadAll(DESCRIBE_SQL, { files: listValue(inputs) }))
      .getRowObjects()
      .map((row) => String(row.column_name)),
  );
  // Cast to the declared types; a column no input has yet (added later) is null.
  const columns = COLUMN_ENTRIES.map(([column, type]) =>
    present.has(column)
      ? `CAST(${column} AS ${type}) AS ${column}`
      : `CAST(NULL AS ${type}) AS ${column}`,
  ).join(", ");
  const written = await duckdb.runAndReadAll(
    `COPY (
      SELECT ${columns}
      FROM read_parquet($files, hive_partitioning = false, union_by_name = true, filename = true)
      QUALIFY row_number() OVER (PARTITION BY request_id ORDER BY created_at, filename) = 1
      ORDER BY created_at, request_id
    ) TO $target (FORMAT parquet, COMPRESSION zstd)`,
    { files: listValue(inputs), target: pending },
  );
  const counted = await duckdb.runAndReadAll(
    "SELECT count(*) AS n FROM read_parquet($files, hive_partitioning = false, union_by_name = true)",
    { files: listValue(inputs) },
  );
  await storage.persist(pending);
  return {
    rowsRead: Number(counted.getRowObjects()[0]?.n ?? 0),
    rowsWritten: Number(written.getRowObjects()[0]?.Count ?? 0),
  };
}

/** Steps 3-5: the inputs go, then the merged file appears, then the intent goes. */
async function finish(warehouse: Warehouse, directory: string, name: string, intent: Intent) {
  const { storage } = warehouse;
  await storage.remove(intent.inputs);
  const pending = `${intent.output}${PENDING}`;
  if (await storage.exists(pending)) await storage.publish(pending, intent.output);
  await storage.remove([`${directory}/${name}${INTENT}`]);
}

/** Finishes interrupted compactions of an hour and sweeps what crashed writes left behind. */
async function recover(warehouse: Warehouse, files: WarehouseFile[], now: Date) {
  const { storage } = warehouse;
  let recovered = 0;
  const intents = new Set<string>();
  for (const file of files.filter((entry) => entry.name.endsWith(INTENT))) {
    const name = file.name.slice(0, -INTENT.length);
    const directory = file.path.slice(0, -file.name.length - 1);
    const intent = parseIntent(await storage.readText(file.path));
    // Unreadable: the crash came while writing it, so no input was deleted yet.
    if (intent === null)
      await storage.remove([file.path, `${directory}/${name}.parquet${PENDING}`]);
    else await finish(warehouse, directory, name, intent);
    intents.add(name);
    recovered++;
  }
  for (const file of files) {
    const pendingWithoutIntent =
      file.name.endsWith(PENDING) && !intents.has(file.name.slice(0, -".parquet.pending".length));
    const staleTemporary =
      file.name.endsWith(TEMPORARY) &&
      now.getTime() - (await storage.modifiedAt(file.path)) > STALE_TEMPORARY_MS;
    if (pendingWithoutIntent || staleTemporary) {
      await storage.remove([file.path]);
      recovered++;
    }
  }
  return recovered;
}

function parseIntent(text: string | null): Intent | null {
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as Partial<Intent>;
    if (typeof parsed.output !== "string" || !Array.isArray(parsed.inputs)) return null;
    return { output: parsed.output, inputs: parsed.inputs.map(String) };
  } catch {
    return null;
  }
}

function hourIsOver(partition: HourPartition, now: Date): boolean {
  const end = Date.parse(`${partition.date}T${partition.hour}:00:00Z`) + 3_600_000;
  return end <= now.getTime();
}
