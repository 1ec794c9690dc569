// A trace write-ahead-log directory belongs to one live emitter at a time
// (shared/fs/directory-lock.ts, wal-directory.ts): a second one on the same directory either
// fails naming the owner or writes to a subdirectory of its own, and no row of either is lost; a
// dead process's lock (on this host) is taken over and its segments shipped; another host's lock
// is never taken.
import { afterEach, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { encodeTraceLine } from "#shared/bus/trace-lines.ts";
import { WalDirectoryOwnedError, type WalOwner } from "#shared/fs/directory-lock.ts";
import { writeAheadSegmentFiles } from "../../dataplane/in-process.ts";
import { requestLogRow } from "../../dataplane/trace/request-log-row.ts";
import { WalTraceEmitter } from "../../dataplane/trace/wal-emitter.ts";
import { deadPid } from "../support/processes.ts";
import { fakeBus, trace } from "../support/trace-fixtures.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});
const freshDirectory = () => {
  const directory = mkdtempSync(join(tmpdir(), "modelux-wal-lock-"));
  directories.push(directory);
  return directory;
};

/** A lock file as a process left it. */
function writeLock(directory: string, owner: Partial<WalOwner>): void {
  mkdirSync(directory, { recursive: true });
  const lock: WalOwner = {
    pid: process.pid,
    hostname: hostname(),
    since: "2026-12-01T00:00:00.000Z",
    process_start: null,
    token: crypto.randomUUID(),
    ...owner,
  };
  writeFileSync(join(directory, "wal.lock"), JSON.stringify(lock));
}

/** Segments as a crash leaves them: a sealed one and an open one ending in a torn line. */
function leftovers(directory: string, sealed: string[], open: string[]): void {
  const lines = (ids: string[]) =>
    ids.map((id) => `${encodeTraceLine(requestLogRow(trace(id)))}\n`).join("");
  writeFileSync(join(directory, "1000.ndjson"), lines(sealed));
  writeFileSync(join(directory, "2000.open"), `${lines(open)}{"v":3,"n":40,"tra`);
}

const lockOf = (directory: string) =>
  JSON.parse(readFileSync(join(directory, "wal.lock"), "utf8")) as WalOwner;

describe("two live emitters on one directory", () => {
  test("subdirectory: the second writes to a writer's own directory; every row of both is shipped once, none lost", async () => {
    const directory = freshDirectory();
    const { bus, published } = fakeBus();
    const logs: string[] = [];
    const first = new WalTraceEmitter({
      directory,
      bus: () => bus,
      directoryInUse: "subdirectory",
    });
    const second = new WalTraceEmitter({
      directory,
      bus: () => bus,
      directoryInUse: "subdirectory",
      log: (line) => logs.push(line),
    });
    expect(first.directory).toBe(directory);
    expect(second.directory).toBe(join(directory, "writer-2"));
    expect(logs.join("\n")).toContain(`belongs to pid ${process.pid} on ${hostname()}`);
    // Interleaved, each shipping while the other has rows in its open segment: the shape in
    // which a shipper used to take the other's open segment for a crash's leftover.
    const expected: string[] = [];
    for (let round = 0; round < 5; round++) {
      first.emit(trace(`first-${round}`));
      second.emit(trace(`second-${round}`));
      expected.push(`first-${round}`, `second-${round}`);
      await (round % 2 === 0 ? first : second).ship();
      first.emit(trace(`first-${round}b`));
      second.emit(trace(`second-${round}b`));
      expected.push(`first-${round}b`, `second-${round}b`);
    }
    await first.stop();
    await second.stop();
    const shipped = published.flat().map((row) => row.request_id);
    expect(shipped.sort()).toEqual(expected.sort());
    // Both gave the directory up; the writer's own directory is gone with it.
    expect(readdirSync(directory)).toEqual([]);
  });

  test("fail: the second does not start, naming the directory and the owner; the first keeps every row", async () => {
    const directory = freshDirectory();
    const { bus, published } = fakeBus();
    const first = new WalTraceEmitter({ directory, bus: () => bus });
    first.emit(trace("kept-1"));
    let refused: unknown;
    try {
      new WalTraceEmitter({ directory, bus: () => bus });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(WalDirectoryOwnedError);
    const message = (refused as Error).message;
    expect(message).toContain(directory);
    expect(message).toContain(`pid ${process.pid} on ${hostname()}`);
    first.emit(trace("kept-2"));
    await first.stop();
    expect(published.flat().map((row) => row.request_id)).toEqual(["kept-1", "kept-2"]);
    // Released on a clean stop: the next one opens.
    const next = new WalTraceEmitter({ directory, bus: () => bus });
    expect(lockOf(directory).token).toBeString();
    await next.stop();
  });
});

describe("a lock left behind", () => {
  test("a dead process's (a pid that no longer exists) is taken over and its segments shipped, the torn line skipped", async () => {
    const directory = freshDirectory();
    const pid = await deadPid();
    writeLock(directory, { pid });
    leftovers(directory, ["left-1"], ["left-2"]);
    const { bus, published } = fakeBus();
    const logs: string[] = [];
    const restarted = new WalTraceEmitter({
      directory,
      bus: () => bus,
      log: (line) => logs.push(line),
    });
    expect(lockOf(directory).pid).toBe(process.pid);
    expect(logs.join("\n")).toContain(`took over from pid ${pid} on ${hostname()}`);
    restarted.emit(trace("new"));
    await restarted.ship();
    expect(published.flat().map((row) => row.request_id)).toEqual(["left-1", "left-2", "new"]);
    await restarted.stop();
    expect(readdirSync(directory)).toEqual([]);
  });

  test.skipIf(!existsSync("/proc/self/stat"))(
    "a pid another process now has (a restarted container's) is told apart by its start time",
    async () => {
      const directory = freshDirectory();
      // This very process, as an earlier one with the same pid would have written it.
      writeLock(directory, { pid: process.pid, process_start: "1" });
      leftovers(directory, ["before-restart"], []);
      const { bus, published } = fakeBus();
      const restarted = new WalTraceEmitter({ directory, bus: () => bus });
      await restarted.stop();
      expect(published.flat().map((row) => row.request_id)).toEqual(["before-restart"]);
      // A live process of another pid whose start matches is not taken over.
      const sleeper = Bun.spawn(["sleep", "30"]);
      try {
        const stat = readFileSync(`/proc/${sleeper.pid}/stat`, "utf8");
        const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
        writeLock(directory, { pid: sleeper.pid, process_start: start ?? null });
        expect(() => new WalTraceEmitter({ directory, bus: () => bus })).toThrow(
          `pid ${sleeper.pid} on ${hostname()}`,
        );
      } finally {
        sleeper.kill();
        await sleeper.exited;
      }
    },
  );

  test("another host's is never taken: `fail` says what to do; `subdirectory` leaves its segments where they are", async () => {
    const directory = freshDirectory();
    // Its pid means nothing here (and no process has it): it still counts as alive.
    writeLock(directory, { pid: await deadPid(), hostname: "other-host.example" });
    leftovers(directory, ["theirs"], []);
    expect(() => new WalTraceEmitter({ directory, bus: () => null })).toThrow(
      /belongs to pid \d+ on other-host\.example .*if that process is gone for good, delete the lock file/,
    );
    const { bus, published } = fakeBus();
    const emitter = new WalTraceEmitter({
      directory,
      bus: () => bus,
      directoryInUse: "subdirectory",
    });
    expect(emitter.directory).toBe(join(directory, "writer-2"));
    emitter.emit(trace("mine"));
    await emitter.stop();
    expect(published.flat().map((row) => row.request_id)).toEqual(["mine"]);
    expect(readdirSync(directory).sort()).toEqual(["1000.ndjson", "2000.open", "wal.lock"]);
    // Once the operator deletes it, the next emitter ships them.
    rmSync(join(directory, "wal.lock"));
    const next = new WalTraceEmitter({ directory, bus: () => bus, directoryInUse: "subdirectory" });
    await next.stop();
    expect(published.flat().map((row) => row.request_id)).toEqual(["mine", "theirs"]);
  });

  test("an unreadable lock is not guessed at", () => {
    const directory = freshDirectory();
    writeFileSync(join(directory, "wal.lock"), "{not json");
    expect(() => new WalTraceEmitter({ directory, bus: () => null })).toThrow(
      `the write-ahead log ${directory} has a lock file that cannot be read`,
    );
  });

  test("subdirectory: a dead writer's segments are moved to the next emitter's directory and shipped; its directory goes", async () => {
    const directory = freshDirectory();
    const { bus, published } = fakeBus();
    const live = new WalTraceEmitter({ directory, bus: () => bus, directoryInUse: "subdirectory" });
    const writer = join(directory, "writer-3");
    writeLock(writer, { pid: await deadPid() });
    leftovers(writer, ["dead-writer-1"], ["dead-writer-2"]);
    // A reader (the batch worker's lookup) sees every writer's rows, open ones included.
    expect(writeAheadSegmentFiles(directory)).toEqual([
      join(writer, "1000.ndjson"),
      join(writer, "2000.open"),
    ]);
    const next = new WalTraceEmitter({ directory, bus: () => bus, directoryInUse: "subdirectory" });
    expect(next.directory).toBe(join(directory, "writer-2"));
    expect(existsSync(writer)).toBe(false);
    await next.stop();
    expect(published.flat().map((row) => row.request_id)).toEqual([
      "dead-writer-1",
      "dead-writer-2",
    ]);
    await live.stop();
  });
});

test("a row emitted after stop (a request cut at shutdown) is left on disk for the next run, under a lock of its own", async () => {
  const directory = freshDirectory();
  const { bus, published } = fakeBus();
  const emitter = new WalTraceEmitter({ directory, bus: () => null });
  await emitter.stop();
  emitter.emit(trace("late"));
  expect(lockOf(directory).pid).toBe(process.pid);
  // The same process cannot tell it from a live emitter's; a restarted one (another pid) can.
  writeLock(directory, { pid: await deadPid() });
  const next = new WalTraceEmitter({ directory, bus: () => bus });
  await next.stop();
  expect(published.flat().map((row) => row.request_id)).toEqual(["late"]);
});
