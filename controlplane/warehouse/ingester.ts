// The trace ingester (DESIGN §9): reads request-log rows from MODELUX_TRACES, holds the batches
// unacked while it gathers rows, writes one Parquet file per hour partition at least every
// flush interval, and acks only once the files are durable. Delivery is at least once, so a
// request id already stored in its partition is dropped, whether it comes back within a flush
// or hours later.
import type { Bus, Subscription, TraceBatch } from "#shared/bus/bus.ts";
import type { Logger } from "#shared/log.ts";
import type { CarriedAnswer } from "../batches/kept-answers.ts";
import {
  type HourPartition,
  hourDirectory,
  isParquet,
  openWarehouse,
  readRequestIds,
  storedRow,
  type Warehouse,
  writeRows,
} from "./parquet-writer.ts";

export interface TraceIngesterOptions {
  bus: Bus;
  /** The warehouse root; ignored when `warehouse` is given. */
  root?: string;
  /** A warehouse shared with compaction and retention, so they take turns. */
  warehouse?: Warehouse;
  log: Logger;
  /** Longest a row waits in memory before it is written. */
  flushIntervalMs?: number;
  /**
   * Rows held before a write starts at once; the consumer waits when a write is already
   * running. (A NATS consumer holds at most 20,000 unacked messages.)
   */
  maxRows?: number;
  /** Request ids kept in memory to recognise redeliveries without reading the files again. */
  maxRememberedIds?: number;
  /**
   * Gets the gateway-run batch answers that came with rows (`batch_answer`, never a column)
   * before those rows are written, so a row the warehouse shows has its answer kept
   * (controlplane/batches/kept-answers.ts). Tried three times per write; then the rows are
   * written anyway and the failure logged (those lines would end `result_lost` on a restart).
   */
  keepBatchAnswers?: (answers: CarriedAnswer[]) => Promise<void>;
}

export interface IngesterStats {
  rowsWritten: number;
  filesWritten: number;
  duplicatesDropped: number;
  poisonDropped: number;
  failedWrites: number;
  /** Rows received and not yet written. */
  heldRows: number;
  /**
   * At the last write: how long before it the oldest row written had been served (its
   * created_at), i.e. how far behind the fleet the warehouse was; null before the first write.
   */
  lagMs: number | null;
}

export interface TraceIngester {
  /** Writes and acks what is held now. */
  flush(): Promise<void>;
  stats(): IngesterStats;
  /** Stops consuming, writes what is held, and closes a warehouse it opened itself. */
  stop(): Promise<void>;
}

type Row = Record<string, unknown>;
// How long stop() waits for the bus to hand over what it still holds (in-process queue).
const DRAIN_QUIET_MS = 500;
const DRAIN_LIMIT_MS = 3000;
const POISON_LOG_LIMIT = 5;
// Messages per delivery. A data plane's message holds a chunk of its log (up to max_payload,
// hundreds of rows), so this bounds a delivery to ~100 MiB; single-record messages (publishTraces)
// come 100 at a time.
const CONSUMER_BATCH = 100;

export async function startTraceIngester(options: TraceIngesterOptions): Promise<TraceIngester> {
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const consumerWaitMs = Math.ceil(flushIntervalMs / 2);
  const maxRows = options.maxRows ?? 50_000;
  const ownWarehouse = options.warehouse === undefined;
  if (ownWarehouse && !options.root)
    throw new Error("startTraceIngester needs a root or a warehouse");
  const warehouse = options.warehouse ?? (await openWarehouse(options.root as string));
  const stored = new StoredIds(options.maxRememberedIds ?? 1_000_000);
  const stats: IngesterStats = {
    rowsWritten: 0,
    filesWritten: 0,
    duplicatesDropped: 0,
    poisonDropped: 0,
    failedWrites: 0,
    heldRows: 0,
    lagMs: null,
  };
  let held: TraceBatch[] = [];
  let heldRows = 0;
  let lastDeliveryAt = 0;
  let chain: Promise<void> = Promise.resolve();
  const acksInFlight = new Set<Promise<void>>();
  let writesQueued = 0;

  const writeHeld = async () => {
    const batches = held;
    held = [];
    heldRows = 0;
    if (batches.length === 0) return;
    if (options.keepBatchAnswers) await keepAnswers(batches, options.keepBatchAnswers, options.log);
    let failure: Error | null = null;
    const duplicatesBefore = stats.duplicatesDropped;
    for (const { partition, rows } of groupByPartition(batches, stats, options.log).values()) {
      // The other partitions are still written: a redelivery drops what is already stored.
      await warehouse
        .exclusive(() => writePartition(warehouse, stored, partition, rows, stats))
        .catch((error: Error) => {
          stats.failedWrites++;
          failure = error;
        });
    }
    if (failure) {
      options.log(
        `trace write failed, ${batches.length} batches will be redelivered: ${(failure as Error).message}`,
      );
      await Promise.all(batches.map((batch) => batch.nak().catch(() => {})));
      return;
    }
    const duplicates = stats.duplicatesDropped - duplicatesBefore;
    // Rare outside redeliveries (a crash, a spool sent twice), so worth a line.
    if (duplicates > 0) options.log(`dropped ${duplicates} trace rows already stored`);
    // Confirmed acks take a round trip each; the next write need not wait for them.
    const acking = Promise.allSettled(batches.map((batch) => batch.ack())).then((acks) => {
      const failed = acks.filter((ack) => ack.status === "rejected").length;
      // Unacked rows come back and are dropped as already stored.
      if (failed > 0) options.log(`${failed} trace batch acks failed; their rows will come back`);
    });
    acksInFlight.add(acking);
    void acking.finally(() => acksInFlight.delete(acking));
  };
  /** Resolves once what was held is written and its acks are confirmed (or failed). */
  const flush = async () => {
    writesQueued++;
    chain = chain
      .then(writeHeld)
      // Unsettled batches come back after the ack wait; the chain must go on regardless.
      .catch((error: Error) => options.log(`trace write failed: ${error.message}`))
      .finally(() => {
        writesQueued--;
      });
    await chain;
    await Promise.all(acksInFlight);
  };

  const subscription: Subscription = await options.bus.consumeTraces(
    async (batch) => {
      held.push(batch);
      heldRows += batch.records.length;
      lastDeliveryAt = Date.now();
      if (heldRows >= maxRows) {
        const writing = flush();
        // Back-pressure: while the previous write is still going, the consumer waits.
        if (writesQueued > 1) await writing;
      } else if (batch.messages < CONSUMER_BATCH && writesQueued < 2) {
        // A partial batch means the stream has nothing more for now: no reason to wait.
        void flush();
      }
    },
    // A partial batch is handed over after this wait (NATS makes it at least 1 s), so new rows
    // are written within about a second, in at most two files a second per hour partition.
    { maxBatch: CONSUMER_BATCH, maxWaitMs: consumerWaitMs },
  );
  const timer = setInterval(() => {
    // At most one write waits behind the running one.
    if (held.length > 0 && writesQueued < 2) void flush();
  }, flushIntervalMs);

  return {
    flush,
    stats: () => ({ ...stats, heldRows }),
    async stop() {
      clearInterval(timer);
      const stoppedAt = Date.now();
      const deadline = stoppedAt + DRAIN_LIMIT_MS;
      // Quiet counts from the stop too: records published just before it (a data plane's last
      // traces at shutdown) are still in a partial batch the bus hands over after consumerWaitMs.
      const quietMs = Math.max(DRAIN_QUIET_MS, consumerWaitMs + 100);
      while (Date.now() - Math.max(lastDeliveryAt, stoppedAt) < quietMs && Date.now() < deadline) {
        await Bun.sleep(50);
      }
      await subscription.unsubscribe();
      await flush();
      if (ownWarehouse) await warehouse.close();
    },
  };
}

const KEEP_ATTEMPTS = 3;

/** The batch answers carried by the held rows, handed to `keep` (retried, never blocking). */
async function keepAnswers(
  batches: TraceBatch[],
  keep: (answers: CarriedAnswer[]) => Promise<void>,
  log: Logger,
): Promise<void> {
  const answers: CarriedAnswer[] = [];
  for (const batch of batches)
    for (const record of batch.records) {
      const row = record as Record<string, unknown>;
      if (
        typeof row.batch_answer !== "string" ||
        typeof row.batch_id !== "string" ||
        typeof row.client_request_id !== "string"
      )
        continue;
      answers.push({
        orgId: record.org_id,
        batchId: row.batch_id,
        clientRequestId: row.client_request_id,
        requestId: record.request_id,
        statusCode: Number(row.status),
        costUsd: Number(row.cost_usd ?? 0),
        answer: row.batch_answer,
      });
    }
  if (answers.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await keep(answers);
      return;
    } catch (error) {
      if (attempt >= KEEP_ATTEMPTS) {
        log(
          `answers of ${answers.length} batch lines not kept (the rows are written): ${(error as Error).message}`,
        );
        return;
      }
      await Bun.sleep(100 * attempt);
    }
  }
}

/** Valid rows by partition, each request id once; poison records are counted and logged. */
function groupByPartition(batches: TraceBatch[], stats: IngesterStats, log: Logger) {
  const partitions = new Map<string, { partition: HourPartition; rows: Map<string, Row> }>();
  let poison = 0;
  for (const batch of batches) {
    for (const record of batch.records) {
      const shaped = storedRow(record);
      if (typeof shaped === "string") {
        if (poison++ < POISON_LOG_LIMIT)
          log(`dropping a trace record (${shaped}): ${JSON.stringify(record).slice(0, 200)}`);
        continue;
      }
      const key = hourDirectory("", shaped.partition);
      const entry = partitions.get(key) ?? { partition: shaped.partition, rows: new Map() };
      partitions.set(key, entry);
      if (entry.rows.has(shaped.requestId)) stats.duplicatesDropped++;
      else entry.rows.set(shaped.requestId, shaped.row);
    }
  }
  if (poison > POISON_LOG_LIMIT) log(`dropped ${poison} unusable trace records in this flush`);
  stats.poisonDropped += poison;
  return partitions;
}

async function writePartition(
  warehouse: Warehouse,
  stored: StoredIds,
  partition: HourPartition,
  rows: Map<string, Row>,
  stats: IngesterStats,
): Promise<void> {
  const directory = hourDirectory(warehouse.root, partition);
  const known = await stored.load(warehouse, directory);
  const fresh: Row[] = [];
  for (const [requestId, row] of rows) {
    if (known.ids.has(requestId)) stats.duplicatesDropped++;
    else fresh.push(row);
  }
  if (fresh.length === 0) return;
  const file = await writeRows(warehouse, directory, fresh);
  stored.remember(directory, file, rows.keys());
  let oldest = Number.POSITIVE_INFINITY;
  for (const row of fresh) oldest = Math.min(oldest, Date.parse(row.created_at as string));
  if (Number.isFinite(oldest)) stats.lagMs = Math.max(0, Date.now() - oldest);
  stats.rowsWritten += fresh.length;
  stats.filesWritten++;
}

/**
 * The request ids stored per hour directory, with the files they were read from: a file
 * appears once (written here, or read once when first seen), so checking a row is a set lookup
 * rather than a scan of the hour. Least recently used directories are forgotten beyond the
 * limit (one directory is always kept whole).
 */
class StoredIds {
  readonly #directories = new Map<string, { ids: Set<string>; files: Set<string> }>();
  #total = 0;

  constructor(readonly limit: number) {}

  async load(warehouse: Warehouse, directory: string) {
    let entry = this.#directories.get(directory);
    if (entry) this.#directories.delete(directory);
    entry ??= { ids: new Set<string>(), files: new Set<string>() };
    this.#directories.set(directory, entry); // most recently used last
    const present = (await warehouse.storage.list(directory)).filter((path) => isParquet(path));
    const unseen = present.filter((path) => !entry.files.has(path));
    for (const id of await readRequestIds(warehouse, unseen)) this.#add(entry.ids, id);
    // Files compacted away are forgotten; their ids live on in the compacted file.
    entry.files = new Set(present);
    this.#evict(directory);
    return entry;
  }

  remember(directory: string, file: string, ids: Iterable<string>) {
    const entry = this.#directories.get(directory);
    if (!entry) return;
    entry.files.add(file);
    for (const id of ids) this.#add(entry.ids, id);
    this.#evict(directory);
  }

  #add(ids: Set<string>, id: string) {
    if (ids.has(id)) return;
    ids.add(id);
    this.#total++;
  }

  #evict(keep: string) {
    for (const [directory, entry] of this.#directories) {
      if (this.#total <= this.limit) return;
      if (directory === keep) continue;
      this.#directories.delete(directory);
      this.#total -= entry.ids.size;
    }
  }
}
