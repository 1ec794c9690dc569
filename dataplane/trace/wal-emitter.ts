// The data plane's trace emitter for the warehouse (DESIGN §9): each finished request's row is
// appended to a local write-ahead log before anything else happens to it, so a request that got
// its response keeps its row even if the process is killed right after; a background loop ships
// sealed segments to JetStream (MODELUX_TRACES) and deletes them once the stream has stored
// them. When NATS is down the log simply grows (bounded), and drains when it is back. Delivery
// is at least once: JetStream dedups a resend by request id within its window, the ingester
// beyond it. Every row is fitted to one bus message when written (row-bounds.ts); a row the bus
// still refuses as too large (a server with a smaller max_payload) is dropped with a log line, so
// it cannot hold back the rows behind it.
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { type Bus, TraceRecordsTooLargeError } from "#shared/bus/bus.ts";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import type { DecisionTrace } from "./decision-trace.ts";
import { requestLogRow } from "./request-log-row.ts";
import { DEFAULT_MAX_PAYLOAD_BYTES, rowBudgetFor } from "./row-bounds.ts";
import type { RecentTraces, TraceEmitter } from "./trace-emitter.ts";
import { decodeWalLine, encodeWalLine } from "./wal-line.ts";

export interface WalEmitterOptions {
  directory: string;
  bus: () => Bus | null;
  /** Also keeps recent traces in memory (the node's own debugging view). */
  recent?: RecentTraces;
  /** How often the current segment is sealed and shipped. */
  flushIntervalMs?: number;
  /** Rows per publish call. */
  publishBatch?: number;
  /** Beyond this many bytes on disk new rows are dropped (and counted), never blocking. */
  maxBytes?: number;
  /**
   * Rows kept in memory beside their segments, so shipping does not read and parse back what
   * this process just wrote. Past this many (a long bus outage) segments are read from disk.
   */
  maxMemoryRows?: number;
  log?: (message: string) => void;
}

const SEGMENT_SUFFIX = ".ndjson";
/** Sealed bytes beyond which shipping takes long slices of the event loop to catch up. */
const BACKLOG_BYTES = 8 * 1024 ** 2;

export class WalTraceEmitter implements TraceEmitter {
  private fd: number | null = null;
  private currentName: string | null = null;
  private currentBytes = 0;
  private sealedBytes = 0;
  private segmentSeq = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private shipping = false;
  private failingSince: number | null = null;
  /** The open segment's rows, in write order; null once the memory bound was hit for it. */
  private currentRows: RequestLogRow[] | null = [];
  /** Sealed segments' rows by file name, for those still in memory. */
  private readonly sealedRows = new Map<string, RequestLogRow[]>();
  private memoryRows = 0;
  /** Bytes of a segment being flushed to disk, between open and sealed. */
  private syncingBytes = 0;
  /** Rows dropped because the log was full. */
  dropped = 0;
  /** Rows the bus refused as larger than one message (never retried). */
  oversizedDropped = 0;
  private readonly options: Required<Omit<WalEmitterOptions, "recent">> & { recent?: RecentTraces };

  constructor(options: WalEmitterOptions) {
    this.options = {
      flushIntervalMs: 250,
      publishBatch: 100,
      maxBytes: 1024 ** 3,
      maxMemoryRows: 20_000,
      log: () => {},
      ...options,
    };
    mkdirSync(options.directory, { recursive: true });
    // Segments left by an earlier run (a crash) are shipped first; numbering continues after them.
    for (const name of this.segments()) {
      this.segmentSeq = Math.max(this.segmentSeq, Number.parseInt(name, 10) || 0);
      this.sealedBytes += statSync(join(options.directory, name)).size;
    }
  }

  emit(trace: DecisionTrace): void {
    this.options.recent?.emit(trace);
    if (this.currentBytes + this.syncingBytes + this.sealedBytes >= this.options.maxBytes) {
      if (this.dropped++ === 0)
        this.options.log("trace log full: dropping new rows until it drains");
      return;
    }
    const bus = this.options.bus();
    const row = requestLogRow(
      trace,
      rowBudgetFor(bus?.maxTraceBytes() ?? DEFAULT_MAX_PAYLOAD_BYTES),
    );
    const line = `${encodeWalLine(row)}\n`;
    if (this.fd === null) this.open();
    // One write call: the row is in the kernel before the response is handed back.
    this.currentBytes += writeSync(this.fd as number, line);
    if (this.currentRows !== null) {
      if (this.memoryRows < this.options.maxMemoryRows) {
        this.currentRows.push(row);
        this.memoryRows += 1;
      } else {
        // This segment will be read back from disk; its rows in memory are no use alone.
        this.memoryRows -= this.currentRows.length;
        this.currentRows = null;
      }
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.ship(), this.options.flushIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ship();
    this.seal();
  }

  /** Seals the current segment and publishes every sealed one, oldest first. */
  async ship(): Promise<void> {
    if (this.shipping) return;
    this.shipping = true;
    try {
      await this.sealAsync();
      const bus = this.options.bus();
      if (bus === null || !bus.isConnected()) return;
      let sliceStarted = performance.now();
      for (const name of this.segments()) {
        const path = join(this.options.directory, name);
        const rows = this.sealedRows.get(name) ?? parseSegment(readFileSync(path, "utf8"));
        for (let start = 0; start < rows.length; start += this.options.publishBatch) {
          // Publishing encodes every row synchronously: after a short slice of it, a turn of the
          // event loop, so requests are not held up behind a whole segment. A long slice when
          // a backlog built up (a saturated node), or shipping would never catch up.
          if (performance.now() - sliceStarted > this.sliceMs()) {
            await new Promise((resolve) => setImmediate(resolve));
            sliceStarted = performance.now();
          }
          await this.publish(bus, rows.slice(start, start + this.options.publishBatch));
        }
        const size = statSync(path).size;
        unlinkSync(path);
        this.forgetRows(name);
        this.sealedBytes = Math.max(0, this.sealedBytes - size);
      }
      if (this.failingSince !== null) {
        this.options.log(`traces flowing again after ${Date.now() - this.failingSince} ms`);
        this.failingSince = null;
      }
      if (this.dropped > 0) {
        this.options.log(`trace log drained; ${this.dropped} rows were dropped while it was full`);
        this.dropped = 0;
      }
    } catch (error) {
      if (this.failingSince === null) {
        this.failingSince = Date.now();
        this.options.log(
          `traces kept on disk until the bus takes them: ${(error as Error).message}`,
        );
      }
    } finally {
      this.shipping = false;
    }
  }

  /** Publishes rows; those the bus refuses as too large are dropped, anything else throws. */
  private async publish(bus: Bus, rows: RequestLogRow[]): Promise<void> {
    try {
      await bus.publishTraces(rows);
    } catch (error) {
      if (!(error instanceof TraceRecordsTooLargeError)) throw error;
      // The bus will never take these, and the rest of the batch is stored: retrying would
      // block every segment behind this one.
      for (const { request_id, bytes } of error.refused) {
        this.oversizedDropped += 1;
        this.options.log(
          `trace row ${request_id} dropped: ${bytes} bytes is more than the bus carries ` +
            `(${bus.maxTraceBytes()}); ${this.oversizedDropped} dropped so far`,
        );
      }
    }
  }

  private sliceMs(): number {
    return this.sealedBytes > BACKLOG_BYTES ? 20 : 0.5;
  }

  /** Bytes waiting on disk (for tests and metrics). */
  pendingBytes(): number {
    return this.currentBytes + this.syncingBytes + this.sealedBytes;
  }

  private open(): void {
    this.segmentSeq = Math.max(this.segmentSeq + 1, Date.now());
    this.currentName = `${this.segmentSeq}.open`;
    this.fd = openSync(join(this.options.directory, this.currentName), "a");
    this.currentBytes = 0;
    this.currentRows = [];
  }

  private forgetRows(name: string): void {
    const rows = this.sealedRows.get(name);
    if (rows === undefined) return;
    this.memoryRows -= rows.length;
    this.sealedRows.delete(name);
  }

  /**
   * seal() with the fsync on a worker thread: flushing a quarter second of rows takes
   * milliseconds, which on the event loop would stall every request in flight (bench/overhead).
   * New rows go to a fresh segment meanwhile; this one is renamed once it is on disk.
   */
  private async sealAsync(): Promise<void> {
    if (this.fd === null || this.currentName === null) return;
    const fd = this.fd;
    const name = this.currentName;
    const bytes = this.currentBytes;
    const rows = this.currentRows;
    this.fd = null;
    this.currentName = null;
    this.currentBytes = 0;
    this.currentRows = [];
    if (bytes === 0) {
      closeSync(fd);
      unlinkSync(join(this.options.directory, name));
      return;
    }
    this.syncingBytes = bytes;
    try {
      await new Promise<void>((resolve, reject) =>
        fsync(fd, (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      // Left as `.open`: the next ship reads it back from disk like a crash's leftover.
      if (rows !== null) this.memoryRows -= rows.length;
      throw error;
    } finally {
      this.syncingBytes = 0;
      closeSync(fd);
    }
    const sealed = name.replace(/\.open$/, SEGMENT_SUFFIX);
    renameSync(join(this.options.directory, name), join(this.options.directory, sealed));
    this.sealedBytes += bytes;
    if (rows !== null) this.sealedRows.set(sealed, rows);
  }

  /** The open segment becomes a sealed one (renamed, so a crash never ships a half line twice). */
  private seal(): void {
    if (this.fd === null || this.currentName === null) return;
    const fd = this.fd;
    const name = this.currentName;
    this.fd = null;
    this.currentName = null;
    const rows = this.currentRows;
    this.currentRows = [];
    if (this.currentBytes === 0) {
      closeSync(fd);
      unlinkSync(join(this.options.directory, name));
      return;
    }
    fsyncSync(fd);
    closeSync(fd);
    const sealed = name.replace(/\.open$/, SEGMENT_SUFFIX);
    renameSync(join(this.options.directory, name), join(this.options.directory, sealed));
    if (rows !== null) this.sealedRows.set(sealed, rows);
    this.sealedBytes += this.currentBytes;
    this.currentBytes = 0;
  }

  /** Sealed segments, oldest first; an `.open` one left by a crash counts as sealed. */
  private segments(): string[] {
    const directory = this.options.directory;
    if (!existsSync(directory)) return [];
    return readdirSync(directory)
      .filter(
        (name) =>
          name.endsWith(SEGMENT_SUFFIX) || (name.endsWith(".open") && name !== this.currentName),
      )
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  }
}

/** Lines of a segment; a torn last line (a crash mid-write) is skipped. */
function parseSegment(text: string): RequestLogRow[] {
  const rows: RequestLogRow[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    // Null for a partial line from a write interrupted by a crash.
    const row = decodeWalLine(line);
    if (row !== null) rows.push(row);
  }
  return rows;
}
