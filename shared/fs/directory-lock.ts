// Who owns a directory: one live process (one claim) at a time. A trace write-ahead log's
// (docs/operations.md, "The trace write-ahead log": `wal.lock`) and the embedded default's data
// dir (`modelux.lock`). The owner is a lock file in the directory naming its process (pid, host,
// the process's start time) and the claim (a token). A lock whose process is gone from this host
// is taken over; one naming another host is never assumed dead, as its pid means nothing here:
// an operator who knows that host is gone deletes the file.
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = "wal.lock";

export interface WalOwner {
  pid: number;
  hostname: string;
  /** When the claim was made (ISO). */
  since: string;
  /**
   * The process's start as the kernel counts it (/proc/<pid>/stat, field 22), so a pid reused by
   * another process (a restarted container's) is told apart; null where there is no /proc.
   */
  process_start: string | null;
  /** The claim's own id: tells two emitters of one process apart. */
  token: string;
}

/** What to do about a lock another host's process holds, for an error naming it. */
export const ANOTHER_HOSTS_LOCK =
  "a lock from another host is never taken for a dead one's: if that process is gone for good, " +
  "delete the lock file and start again";

/** The directory is another live emitter's (or its lock cannot be read). */
export class WalDirectoryOwnedError extends Error {
  constructor(
    readonly directory: string,
    readonly owner: WalOwner | null,
  ) {
    const lock = join(directory, LOCK_FILE);
    super(
      owner === null
        ? `the write-ahead log ${directory} has a lock file that cannot be read (${lock}); ` +
            "if no process writes there, delete it and start again"
        : `the write-ahead log ${directory} belongs to ${describeOwner(owner)} (${lock}); ` +
            (owner.hostname !== hostname()
              ? ANOTHER_HOSTS_LOCK
              : owner.pid === process.pid
                ? "another trace log of this process writes there"
                : "that process is still running"),
    );
    this.name = "WalDirectoryOwnedError";
  }
}

export function describeOwner(owner: WalOwner): string {
  return `pid ${owner.pid} on ${owner.hostname} (since ${owner.since})`;
}

/** Claims made by this process that are still held: a lock naming this pid is live only if here. */
const liveTokens = new Set<string>();

const PROC = (() => {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
})();

/** A process's state letter and start time from /proc; null when it has no entry there. */
function processStat(pid: number | "self"): { state: string; start: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", start: fields[19] ?? "" };
  } catch {
    return null;
  }
}

const ownStart = PROC ? (processStat("self")?.start ?? null) : null;

/** Whether the lock's process still runs: `elsewhere` when it names another host. */
export function ownerState(owner: WalOwner): "alive" | "gone" | "elsewhere" {
  if (owner.hostname !== hostname()) return "elsewhere";
  if (owner.pid === process.pid && (owner.process_start ?? ownStart) === ownStart)
    return liveTokens.has(owner.token) ? "alive" : "gone";
  let anotherUsers = false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return "gone";
    anotherUsers = true; // EPERM: it runs, under another user
  }
  if (!PROC) return "alive";
  const stat = processStat(owner.pid);
  // No entry: it exited since, or /proc hides other users' processes (hidepid).
  if (stat === null) return anotherUsers ? "alive" : "gone";
  if (stat.state === "Z" || stat.state === "X") return "gone";
  return owner.process_start !== null && stat.start !== owner.process_start ? "gone" : "alive";
}

function readOwner(path: string): WalOwner | null | "missing" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<WalOwner>;
    // A pid of 0 or less would signal a process group.
    if (!Number.isInteger(owner.pid) || (owner.pid as number) <= 0) return null;
    if (typeof owner.hostname !== "string" || typeof owner.token !== "string") return null;
    return {
      pid: owner.pid as number,
      hostname: owner.hostname,
      since: String(owner.since ?? "unknown"),
      process_start: typeof owner.process_start === "string" ? owner.process_start : null,
      token: owner.token,
    };
  } catch {
    return null;
  }
}

export interface WalLock {
  readonly directory: string;
  readonly owner: WalOwner;
  /** The process that held the directory before, when it was taken over from a dead one. */
  readonly tookOverFrom: WalOwner | null;
  /** Deletes the lock file if it is still this claim's. */
  release(): void;
}

export type ClaimResult =
  | { claimed: true; lock: WalLock }
  | { claimed: false; owner: WalOwner | null };

const CLAIM_ATTEMPTS = 5;

/**
 * Takes `directory` (created if missing) for this process, or says who has it. The lock file is
 * written whole under another name and linked into place, which fails if one is there (so a
 * reader never sees half a lock, on a local disk or NFS).
 */
export function claimWalDirectory(directory: string, lockFile = LOCK_FILE): ClaimResult {
  const lockPath = join(directory, lockFile);
  const owner: WalOwner = {
    pid: process.pid,
    hostname: hostname(),
    since: new Date().toISOString(),
    process_start: ownStart,
    token: crypto.randomUUID(),
  };
  let tookOverFrom: WalOwner | null = null;
  let seen: WalOwner | null = null;
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    // Each time: a writer's subdirectory may be removed by the claim that emptied it.
    mkdirSync(directory, { recursive: true });
    const staging = join(directory, `${lockFile}.${owner.token}.tmp`);
    let fd: number;
    try {
      fd = openSync(staging, "w");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // removed meanwhile
      throw error;
    }
    try {
      writeSync(fd, `${JSON.stringify(owner)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const placed = placeLock(staging, lockPath, owner);
    unlinkQuietly(staging);
    if (placed === "placed") {
      liveTokens.add(owner.token);
      removeStagingFiles(directory, lockFile);
      return { claimed: true, lock: heldLock(directory, lockFile, owner, tookOverFrom) };
    }
    const found = readOwner(lockPath);
    if (found === "missing") continue; // released meanwhile
    if (found === null) return { claimed: false, owner: null };
    seen = found;
    if (ownerState(found) !== "gone") return { claimed: false, owner: found };
    if (takeOver(directory, lockFile, found)) tookOverFrom = found;
  }
  return { claimed: false, owner: seen };
}

/** Links the staged lock into place; creates it exclusively where hard links are not supported. */
function placeLock(staging: string, lockPath: string, owner: WalOwner): "placed" | "taken" {
  try {
    linkSync(staging, lockPath);
    return "placed";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return "taken";
    // Our staging file was swept by a claim that won meanwhile: look at its lock.
    if (code === "ENOENT") return "taken";
  }
  try {
    // A reader may see it empty for an instant (then it says the lock cannot be read).
    writeFileSync(lockPath, `${JSON.stringify(owner)}\n`, { flag: "wx" });
    return "placed";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return "taken";
    throw error;
  }
}

/**
 * Removes the lock of `dead`, and only that one: the lock is moved aside, then checked; if a
 * claim slipped in between (another process took the dead one's lock over first), it is put
 * back. True when the dead lock was removed.
 */
function takeOver(directory: string, lockFile: string, dead: WalOwner): boolean {
  const lockPath = join(directory, lockFile);
  // Not a `.tmp` name: a claim that wins meanwhile sweeps those, and this one may be put back.
  const aside = join(directory, `${lockFile}.${crypto.randomUUID()}.aside`);
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const moved = readOwner(aside);
  if (moved !== "missing" && moved !== null && moved.token === dead.token) {
    unlinkQuietly(aside);
    return true;
  }
  try {
    linkSync(aside, lockPath);
  } catch {
    // A third claim got in: it holds the directory; the one we moved is a live emitter's whose
    // lock is gone (it keeps writing; the next claim after it sees this one's).
  }
  unlinkQuietly(aside);
  return false;
}

function heldLock(
  directory: string,
  lockFile: string,
  owner: WalOwner,
  tookOverFrom: WalOwner | null,
): WalLock {
  return {
    directory,
    owner,
    tookOverFrom,
    release() {
      liveTokens.delete(owner.token);
      const found = readOwner(join(directory, lockFile));
      if (found !== "missing" && found !== null && found.token === owner.token)
        unlinkQuietly(join(directory, lockFile));
    },
  };
}

/** Staging files of claims that died between writing and linking (or lost the race). */
function removeStagingFiles(directory: string, lockFile: string): void {
  for (const name of readdirSync(directory))
    if (name.startsWith(`${lockFile}.`) && name.endsWith(".tmp"))
      unlinkQuietly(join(directory, name));
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
