// The data plane's trace emitter for the warehouse (DESIGN §9): each finished request's row is
// built, checked and serialized once, as a trace line (shared/bus/trace-lines.ts), and appended
// to a local write-ahead log before anything else happens to it, so a request that got its
// response keeps its row even if the process is killed right after. A plain answer's row is
// group-committed (emitGrouped): the first row of a turn of the event loop is written at once,
// the rows of the requests finished later in that turn share one `write`, and each of those
// answers waits for it; a stream's row (complete only once the stream has ended) joins the
// group too, with nothing waiting for it. A background loop seals the
// open segment every flush interval and hands each sealed segment's bytes, as they are on disk,
// to the bus (Bus.publishTraceLines: a few messages per segment, not one per row), then deletes
// it once the stream has stored them. When NATS is down the log simply grows (bounded), and
// drains when it is back. Delivery is at least once: the stream stores a resent message once
// within its duplicate window, the ingester drops a request id it already has beyond it. Every
// row is fitted to one bus message when written (row-bounds.ts); a row the bus still refuses as
// too large (a server with a smaller max_payload) is dropped with a log line, so it cannot hold
// back the rows behind it. The directory is this emitter's alone while it runs (a lock file,
// wal-directory.ts): what a crashed one left there is picked up when it starts, and nothing
// another live emitter writes is ever shipped or deleted by this one.
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Bus, TraceRecordsTooLargeError } from "#shared/bus/bus.ts";
import { encodeTraceLine, encodeTraceLineParts } from "#shared/bus/trace-lines.ts";
import { claimWalDirectory } from "#shared/fs/directory-lock.ts";
import type { RequestLogRow } from "#shared/traces/request-log.ts";
import type { DecisionTrace } from "./decision-trace.ts";
import { requestLogRow } from "./request-log-row.ts";
import { DEFAULT_MAX_PAYLOAD_BYTES, rowBudgetFor } from "./row-bounds.ts";
import { publishSegment } from "./segment-publisher.ts";
import type { RecentTraces, TraceEmitter } from "./trace-emitter.ts";
import { forgetAnswer, forgetAnswers, keepAnswer } from "./wal-answers.ts";
import {
  adoptOrphanedSegments,
  type DirectoryInUse,
  OPEN_SUFFIX,
  type OpenedWalDirectory,
  openWalDirectory,
  SEGMENT_SUFFIX,
} from "./wal-directory.ts";

export interface WalEmitterOptions {
  directory: string;
  /**
   * When another live emitter holds `directory`: `fail` (the default) throws
   * WalDirectoryOwnedError naming it; `subdirectory` writes to a `writer-<n>` of its own inside.
   */
  directoryInUse?: DirectoryInUse;
  bus: () => Bus | null;
  /** Also keeps recent traces in memory (the node's own debugging view). */
  recent?: RecentTraces;
  /** How often the current segment is sealed and shipped (the most a row waits to be sent). */
  flushIntervalMs?: number;
  /** Beyond this many bytes on disk new rows are dropped (and counted), never blocking. */
  maxBytes?: number;
  log?: (message: string) => void;
}

const NEWLINE = 0x0a;
/** The group write's buffer: 64 rows of a few kB each fit without growing it. */
const INITIAL_PENDING_BYTES = 256 * 1024;
const MAX_KEPT_PENDING_BYTES = 4 * 1024 * 1024;

/** The row's line with `batch_answer` when both fit in `budget` bytes, else null. */
function withAnswer(row: RequestLogRow, answer: string, budget: number): string | null {
  const line = encodeTraceLine({ ...row, batch_answer: answer });
  return Buffer.byteLength(line) <= budget ? line : null;
}

export class WalTraceEmitter implements TraceEmitter {
  /** Where segments are written: `options.directory` or, when it was taken, a writer's own in it. */
  readonly directory: string;
  /** The claim on `directory`; null once stopped. */
  private claim: Pick<OpenedWalDirectory, "release"> | null;
  /** This emitter's own segments whose fsync failed: left `.open`, shipped like sealed ones. */
  private readonly unsynced = new Set<string>();
  private fd: number | null = null;
  private currentName: string | null = null;
  private currentBytes = 0;
  private sealedBytes = 0;
  private segmentSeq = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** The run of ship() in flight: a second call joins it, stop() waits for it. */
  private shipping: Promise<void> | null = null;
  private failingSince: number | null = null;
  /** Bytes of a segment being flushed to disk, between open and sealed. */
  private syncingBytes = 0;
  /** Lines not written yet (rows emitted with emitGrouped), and what their callers wait on. */
  private pending = Buffer.allocUnsafe(INITIAL_PENDING_BYTES);
  private pendingUsed = 0;
  private group: PromiseWithResolvers<void> | null = null;
  /** Whether this turn of the event loop wrote a row at once (emitGrouped's first). */
  private wroteThisTurn = false;
  /** Rows dropped because the log was full. */
  dropped = 0;
  /** Rows the bus refused as larger than one message (never retried). */
  oversizedDropped = 0;
  private readonly options: Required<Omit<WalEmitterOptions, "recent">> & { recent?: RecentTraces };

  /** Claims the directory: throws WalDirectoryOwnedError when it is a live emitter's (`fail`). */
  constructor(options: WalEmitterOptions) {
    this.options = {
      flushIntervalMs: 250,
      maxBytes: 1024 ** 3,
      log: () => {},
      directoryInUse: "fail",
      ...options,
    };
    const opened = openWalDirectory(
      options.directory,
      this.options.directoryInUse,
      this.options.log,
    );
    this.directory = opened.directory;
    this.claim = opened;
    // Segments left by an earlier run (a crash) are shipped first; numbering continues after them.
    this.segmentSeq = opened.lastSequence;
    for (const name of this.segments())
      this.sealedBytes += statSync(join(this.directory, name)).size;
  }

  /**
   * Writes the row before returning: it is in the kernel when the caller answers.
   *
   * `answer`: the response body the request got, written in the same line as its row (never a
   * column of the request log: the ingester hands it to `keepBatchAnswers` and drops it). The
   * gateway's batch plane passes it so a line answered just before a crash keeps its answer
   * (docs/batches-and-files.md, "Restarts"); left out when the row and it would not fit in one
   * bus message.
   */
  emit(trace: DecisionTrace, answer?: string): void {
    if (!this.append(trace, answer)) return;
    // Rows waiting for their group write go with this one, before it: the log keeps the order
    // rows were emitted in.
    const group = this.group;
    this.group = null;
    try {
      this.writePending();
    } catch (error) {
      group?.reject(error);
      throw error;
    }
    group?.resolve();
  }

  /**
   * Group commit. The first row of a turn of the event loop is written at once (null: nothing
   * to wait for; it throws as `emit` does): no other row is there to share the write, and an
   * unloaded node should not wait a turn for nothing. A row finished later in the same turn
   * joins the others of that turn, written in one `write` call when the turn's I/O callbacks
   * are done (setImmediate); the promise resolves once that write returned (rejects if it
   * failed). A caller answers after it resolves, so its response still follows its row into
   * the kernel.
   */
  emitGrouped(trace: DecisionTrace): Promise<void> | null {
    if (!this.append(trace)) return null;
    if (this.group === null && !this.wroteThisTurn) {
      this.wroteThisTurn = true;
      setImmediate(this.endTurn);
      this.writePending();
      return null;
    }
    if (this.group === null) {
      this.group = Promise.withResolvers<void>();
      setImmediate(this.writeGroup);
    }
    return this.group.promise;
  }

  private readonly endTurn = (): void => {
    this.wroteThisTurn = false;
  };

  /**
   * The row's line appended to the bytes waiting to be written; false when it is dropped (the
   * log is full, or the row cannot be built). The line's pieces are copied into one reused
   * buffer: no joined line, no joined group and no copy of it is made per request.
   */
  private append(trace: DecisionTrace, answer?: string): boolean {
    this.options.recent?.emit(trace);
    if (this.pendingBytes() >= this.options.maxBytes) {
      if (this.dropped++ === 0)
        this.options.log("trace log full: dropping new rows until it drains");
      return false;
    }
    const bus = this.options.bus();
    const budget = rowBudgetFor(bus?.maxTraceBytes() ?? DEFAULT_MAX_PAYLOAD_BYTES);
    const row = requestLogRow(trace, budget);
    let parts: string[];
    try {
      // The row's one serialization: these bytes are what the bus carries and the consumer reads.
      // A batch line's answer travels beside its row, or when both are too large for one
      // message, in a file of its own.
      const line = answer === undefined ? null : withAnswer(row, answer, budget);
      if (line !== null) parts = [line];
      else {
        if (answer !== undefined) this.keepLargeAnswer(row.request_id, answer);
        parts = encodeTraceLineParts(row);
      }
    } catch (error) {
      // A bug in building the row (the check is strict); the request must not fail for it.
      this.options.log(`trace row ${row.request_id} not written: ${(error as Error).message}`);
      return false;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit: the exact count only when that bound is tight.
    let units = 1;
    for (const part of parts) units += part.length;
    if (this.pendingUsed + units * 3 > this.pending.byteLength) {
      let bytes = 1;
      for (const part of parts) bytes += Buffer.byteLength(part);
      this.reserve(bytes);
    }
    let used = this.pendingUsed;
    for (const part of parts) used += this.pending.write(part, used);
    this.pending[used] = NEWLINE;
    this.pendingUsed = used + 1;
    return true;
  }

  /**
   * An answer too large to travel beside its row, in a file of its own named after the request,
   * written before the row (a crash keeps the row only with its answer): wal-answers.ts. It stays
   * until forgetAnswer (its line recorded) or this log's clean stop. A failure is logged and the
   * row written all the same: a paid call keeps its row; only a lookup after a crash misses the
   * answer (the line then ends `result_lost`).
   */
  private keepLargeAnswer(requestId: string, answer: string): void {
    try {
      keepAnswer(this.directory, requestId, answer);
    } catch (error) {
      this.options.log(`answer of ${requestId} not kept: ${(error as Error).message}`);
    }
  }

  /** The kept answer of `requestId` deleted: its line is recorded, nothing will look it up. */
  forgetAnswer(requestId: string): void {
    forgetAnswer(this.directory, requestId);
  }

  /** Room for `bytes` more in the pending buffer (a larger one, the pending bytes copied over). */
  private reserve(bytes: number): void {
    const needed = this.pendingUsed + bytes;
    if (needed <= this.pending.byteLength) return;
    const larger = Buffer.allocUnsafe(Math.max(needed, 2 * this.pending.byteLength));
    this.pending.copy(larger, 0, 0, this.pendingUsed);
    this.pending = larger;
  }

  /** The rows waiting for their group write, written now (a no-op when there are none). */
  private readonly writeGroup = (): void => {
    const group = this.group;
    if (group === null) return;
    this.group = null;
    try {
      this.writePending();
      group.resolve();
    } catch (error) {
      group.reject(error);
    }
  };

  /** The pending lines appended to the open segment, all of them before returning. */
  private writePending(): void {
    const length = this.pendingUsed;
    if (length === 0) return;
    if (this.fd === null && !this.open()) {
      this.pendingUsed = 0;
      this.options.log("trace rows not written: the log was stopped and its directory taken since");
      return;
    }
    const fd = this.fd as number;
    this.pendingUsed = 0;
    let written = writeSync(fd, this.pending, 0, length);
    // A regular file takes the whole buffer in one call but for a signal or a full disk; a
    // short write is finished, never left as a torn line in the middle of the segment.
    while (written < length) written += writeSync(fd, this.pending, written, length - written);
    this.currentBytes += written;
    // A row with large captured content grew the buffer: not kept at that size.
    if (this.pending.byteLength > MAX_KEPT_PENDING_BYTES)
      this.pending = Buffer.allocUnsafe(INITIAL_PENDING_BYTES);
  }

  /**
   * Takes into this log the segments other data planes under the same data dir left and no live
   * process writes (`<parent>/<node>/<leaf>`: wal-directory.ts adoptOrphanedSegments); they are
   * shipped with this log's own. Called once, at start. Returns how many segments were taken.
   */
  adoptOrphans(parent: string, leaf: string): number {
    const before = this.segmentSeq;
    const { sequence, adopted } = adoptOrphanedSegments(parent, leaf, this.directory, before);
    this.segmentSeq = sequence;
    for (let number = before + 1; number <= sequence; number++)
      this.sealedBytes += statSync(join(this.directory, `${number}${SEGMENT_SUFFIX}`)).size;
    for (const { directory, segments } of adopted)
      this.options.log(
        `trace log ${this.directory}: took ${segments} segments from ${directory}, whose writer is gone`,
      );
    return sequence - before;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.ship(), this.options.flushIntervalMs);
  }

  /** Ships what it can, seals the rest for the next run, and gives the directory up. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.writeGroup();
    // A run the timer started may still be sealing or publishing: it ends before the last run,
    // and both before the directory is given up (no rename after the lock is released).
    if (this.shipping) await this.shipping;
    await this.ship();
    this.seal();
    // Kept answers are for a lookup after a crash; a clean stop comes after every line they
    // belong to was recorded (the batch worker stops its lines first).
    forgetAnswers(this.directory);
    this.claim?.release();
    this.claim = null;
  }

  /** Seals the current segment and publishes every sealed one, oldest first. */
  ship(): Promise<void> {
    if (this.shipping) return this.shipping;
    this.shipping = this.shipOnce().finally(() => {
      this.shipping = null;
    });
    return this.shipping;
  }

  private async shipOnce(): Promise<void> {
    try {
      await this.sealAsync();
      const bus = this.options.bus();
      if (bus === null || !bus.isConnected()) return;
      let first = true;
      for (const name of this.segments()) {
        // A turn of the event loop between segments, so a backlog drained after an outage does
        // not hold up requests for its whole length.
        if (!first) await new Promise((resolve) => setImmediate(resolve));
        first = false;
        const path = join(this.directory, name);
        const size = await publishSegment(bus, path, this.dropOversized);
        unlinkSync(path);
        this.unsynced.delete(name);
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
    }
  }

  /** Rows the bus will never take (the rest of their message is stored): dropped, each named. */
  private readonly dropOversized = (refused: TraceRecordsTooLargeError["refused"], max: number) => {
    for (const { request_id, bytes } of refused) {
      this.oversizedDropped += 1;
      this.options.log(
        `trace row ${request_id} dropped: ${bytes} bytes is more than the bus carries ` +
          `(${max}); ${this.oversizedDropped} dropped so far`,
      );
    }
  };

  /** Bytes waiting on disk (for tests and metrics). */
  pendingBytes(): number {
    return this.currentBytes + this.syncingBytes + this.sealedBytes + this.pendingUsed;
  }

  /**
   * A new open segment. After stop() (a request cut at shutdown finishing late) the directory is
   * claimed again, so the row is left for the next run as a crash's would be; false when another
   * emitter has it by then.
   */
  private open(): boolean {
    if (this.claim === null) {
      const again = claimWalDirectory(this.directory);
      if (!again.claimed) return false;
      this.claim = again.lock;
    }
    this.segmentSeq = Math.max(this.segmentSeq + 1, Date.now());
    this.currentName = `${this.segmentSeq}${OPEN_SUFFIX}`;
    this.fd = openSync(join(this.directory, this.currentName), "a");
    this.currentBytes = 0;
    return true;
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
    this.fd = null;
    this.currentName = null;
    this.currentBytes = 0;
    if (bytes === 0) {
      closeSync(fd);
      unlinkSync(join(this.directory, name));
      return;
    }
    this.syncingBytes = bytes;
    // A failed fsync leaves the segment as `.open`: the next ship sends it as it is.
    try {
      await new Promise<void>((resolve, reject) =>
        fsync(fd, (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      this.unsynced.add(name);
      this.sealedBytes += bytes;
      throw error;
    } finally {
      this.syncingBytes = 0;
      closeSync(fd);
    }
    const sealed = name.replace(/\.open$/, SEGMENT_SUFFIX);
    renameSync(join(this.directory, name), join(this.directory, sealed));
    this.sealedBytes += bytes;
  }

  /** The open segment becomes a sealed one (renamed, so a crash never ships a half line twice). */
  private seal(): void {
    if (this.fd === null || this.currentName === null) return;
    const fd = this.fd;
    const name = this.currentName;
    this.fd = null;
    this.currentName = null;
    if (this.currentBytes === 0) {
      closeSync(fd);
      unlinkSync(join(this.directory, name));
      return;
    }
    fsyncSync(fd);
    closeSync(fd);
    const sealed = name.replace(/\.open$/, SEGMENT_SUFFIX);
    renameSync(join(this.directory, name), join(this.directory, sealed));
    this.sealedBytes += this.currentBytes;
    this.currentBytes = 0;
  }

  /**
   * Sealed segments, oldest first, and this emitter's own whose fsync failed. Never an `.open`
   * one otherwise: a crash's were sealed when the directory was claimed, and any other is being
   * written by someone (shipping and deleting it would lose the rows written after).
   */
  private segments(): string[] {
    if (!existsSync(this.directory)) return [];
    return readdirSync(this.directory)
      .filter((name) => name.endsWith(SEGMENT_SUFFIX) || this.unsynced.has(name))
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  }
}

/**
 * Ships what a log directory holds and gives it up: opened as a writer beside any live one
 * (`subdirectory`), the segments of dead writers taken in, every segment published, none written.
 * What the bus does not take now (NATS away) stays on disk. For the logs of batches that have
 * ended, which no batch plane opens again (controlplane/batches/ended-batch-logs.ts).
 */
export async function drainWriteAheadLog(
  directory: string,
  bus: Bus,
  log: (message: string) => void,
): Promise<void> {
  const emitter = new WalTraceEmitter({
    directory,
    bus: () => bus,
    directoryInUse: "subdirectory",
    log,
  });
  await emitter.stop();
}
