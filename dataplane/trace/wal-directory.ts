// Which directory a trace write-ahead log writes, and what it picks up there from before. The
// emitter claims its directory (shared/fs/directory-lock.ts). When a live emitter has it, the
// call site decides: `fail` (a data plane node: two nodes on one node id and data dir are a
// mistake to refuse), or
// `subdirectory` (a component that may run two emitters over one directory, e.g. the batch
// planes of two control planes sharing a data dir after a lease loss): it writes to a
// subdirectory of its own, `writer-<n>`. Segments a dead owner left (sealed, or `.open` as a crash
// leaves them) are sealed where they are, and those of dead writers' subdirectories moved in, once,
// under the lock: the emitter then only ever ships files that are its own.
import { existsSync, readdirSync, renameSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import {
  claimWalDirectory,
  describeOwner,
  WalDirectoryOwnedError,
  type WalLock,
} from "#shared/fs/directory-lock.ts";
import { holdsAnswers, moveAnswers, readAnswer } from "./wal-answers.ts";

/** What a live emitter that finds its directory taken does. */
export type DirectoryInUse = "fail" | "subdirectory";

export const SEGMENT_SUFFIX = ".ndjson";
export const OPEN_SUFFIX = ".open";
const WRITER_PREFIX = "writer-";
/** Writers of one directory at once, the first included; more is a runaway, not a deployment. */
const MAX_WRITERS = 64;

export interface OpenedWalDirectory {
  /** Where this emitter writes: the directory asked for, or a `writer-<n>` in it. */
  directory: string;
  /** The highest segment number there after recovery (new segments are numbered after it). */
  lastSequence: number;
  /** Gives the directory up (a `writer-<n>` left empty is removed). */
  release(): void;
}

const sequenceOf = (name: string) => Number.parseInt(name, 10) || 0;
const bySequence = (a: string, b: string) => sequenceOf(a) - sequenceOf(b);
const isSegment = (name: string) => name.endsWith(SEGMENT_SUFFIX) || name.endsWith(OPEN_SUFFIX);

export function openWalDirectory(
  base: string,
  inUse: DirectoryInUse,
  log: (message: string) => void,
): OpenedWalDirectory {
  const lock = claimOwn(base, inUse, log);
  const { directory } = lock;
  if (lock.tookOverFrom)
    log(`trace log ${directory}: took over from ${describeOwner(lock.tookOverFrom)}, gone`);
  let sequence = 0;
  // A crash's leftovers, sealed as they are (a torn last line is skipped where they are read).
  for (const name of readdirSync(directory).filter(isSegment).sort(bySequence)) {
    sequence = Math.max(sequence, sequenceOf(name));
    if (name.endsWith(OPEN_SUFFIX))
      renameSync(join(directory, name), join(directory, name.replace(/\.open$/, SEGMENT_SUFFIX)));
  }
  if (inUse === "subdirectory")
    for (const other of writerDirectories(base)) {
      if (other === directory) continue;
      const taken = takeSegments(other, directory, sequence, other !== base);
      if (taken === null) continue; // a live writer's
      sequence = taken.sequence;
      if (taken.moved > 0) log(`trace log ${directory}: ${taken.moved} segments left in ${other}`);
    }
  return {
    directory,
    lastSequence: sequence,
    release() {
      lock.release();
      if (directory !== base) removeQuietly(directory);
    },
  };
}

/**
 * Moves the segments of `other` into `into` (numbered after `sequence`, sealed: a torn last line
 * is skipped where they are read) under `other`'s lock, when no live process holds it; null when
 * one does (or its lock is another host's, or unreadable). `other` is removed if left empty and
 * `remove` says so.
 */
function takeSegments(
  other: string,
  into: string,
  sequence: number,
  remove: boolean,
): { sequence: number; moved: number } | null {
  const claim = claimWalDirectory(other);
  if (!claim.claimed) return null;
  let last = sequence;
  const names = readdirSync(other).filter(isSegment).sort(bySequence);
  for (const name of names) renameSync(join(other, name), join(into, `${++last}${SEGMENT_SUFFIX}`));
  moveAnswers(other, into);
  claim.lock.release();
  if (remove) removeQuietly(other);
  return { sequence: last, moved: names.length };
}

/**
 * Segments other data planes left under one data dir (`<parent>/<node>/<leaf>`, `own` aside)
 * and that no live process writes any more: a node killed and started again under another node
 * id (the default id has the pid in it) would otherwise leave them unshipped for good. Each log
 * that holds segments and whose writer is gone (no lock, or a dead process's on this host; never
 * another host's) is taken, its segments moved into `own` after `sequence`, its directory
 * removed if left empty. Returns the new last sequence and what was moved from where.
 */
export function adoptOrphanedSegments(
  parent: string,
  leaf: string,
  own: string,
  sequence: number,
): { sequence: number; adopted: Array<{ directory: string; segments: number }> } {
  const adopted: Array<{ directory: string; segments: number }> = [];
  let last = sequence;
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return { sequence, adopted };
  }
  for (const entry of entries.sort()) {
    const other = join(parent, entry, leaf);
    if (other === own) continue;
    let names: string[];
    try {
      names = readdirSync(other);
    } catch {
      continue; // not a log directory (a file, or no `leaf` in it)
    }
    // Nothing to ship: left alone, lock and all (claiming would create files for nothing).
    if (!names.some(isSegment)) continue;
    const taken = takeSegments(other, own, last, true);
    if (taken === null || taken.moved === 0) continue;
    last = taken.sequence;
    adopted.push({ directory: other, segments: taken.moved });
  }
  return { sequence: last, adopted };
}

function claimOwn(base: string, inUse: DirectoryInUse, log: (message: string) => void): WalLock {
  const first = claimWalDirectory(base);
  if (first.claimed) return first.lock;
  if (inUse === "fail") throw new WalDirectoryOwnedError(base, first.owner);
  for (let writer = 2; writer <= MAX_WRITERS; writer++) {
    const claim = claimWalDirectory(join(base, `${WRITER_PREFIX}${writer}`));
    if (!claim.claimed) continue;
    log(
      `trace log ${base} belongs to ${first.owner ? describeOwner(first.owner) : "an unreadable lock"}: ` +
        `writing to ${claim.lock.directory}`,
    );
    return claim.lock;
  }
  throw new Error(`trace log ${base}: ${MAX_WRITERS} writers hold it and its subdirectories`);
}

/** `base` and its `writer-<n>` subdirectories. */
function writerDirectories(base: string): string[] {
  if (!existsSync(base)) return [];
  const writers = readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(WRITER_PREFIX))
    .map((entry) => join(base, entry.name));
  return [base, ...writers];
}

/**
 * Every segment file under a log directory asked for with `subdirectory` (its own and its
 * writers'), sealed or open, oldest first within each: what a reader looking for rows not yet
 * shipped reads. Files may be shipped, or moved to another writer, while it reads them.
 */
export function writeAheadSegmentFiles(base: string): string[] {
  const files: string[] = [];
  for (const directory of writerDirectories(base)) {
    let names: string[];
    try {
      names = readdirSync(directory);
    } catch {
      continue; // a writer's, removed meanwhile
    }
    for (const name of names.filter(isSegment).sort(bySequence)) files.push(join(directory, name));
  }
  return files;
}

/** Whether a log asked for with `subdirectory` (its writers' too) holds segments or kept answers. */
export function writeAheadHoldsAnything(base: string): boolean {
  if (writeAheadSegmentFiles(base).length > 0) return true;
  return writerDirectories(base).some((directory) => holdsAnswers(directory));
}

/**
 * The answer kept in a file beside request `requestId`'s row in a log asked for with
 * `subdirectory` (its own directory and its writers'), or null when none is.
 */
export function writeAheadAnswer(base: string, requestId: string): string | null {
  for (const directory of writerDirectories(base)) {
    const answer = readAnswer(directory, requestId);
    if (answer !== null) return answer;
  }
  return null;
}

function removeQuietly(directory: string): void {
  try {
    rmdirSync(directory);
  } catch {
    // not empty (segments the bus has not taken yet) or already gone
  }
}
