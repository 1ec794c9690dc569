// What a data plane killed and started again under another node id left in its old trace log
// (the default node id has the pid in it, so a restarted `bun run dataplane` opens a new log):
// the next data plane to start on that data dir takes those segments in and ships them, and
// leaves alone a log a live process writes, a log another host's process holds, and a log with
// nothing in it. The dead node is a real process killed with SIGKILL, its rows on disk.
import { afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { encodeTraceLine } from "#shared/bus/trace-lines.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { startDataPlane } from "../../dataplane/node.ts";
import { requestLogRow } from "../../dataplane/trace/request-log-row.ts";
import { WalTraceEmitter } from "../../dataplane/trace/wal-emitter.ts";
import { killedWalWriter, liveWalWriter } from "../support/processes.ts";
import { fakeBus, receivedTraceIds, trace, waitFor } from "../support/trace-fixtures.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
/** `<data dir>/dataplane`, as `bun run dataplane` lays it out. */
const freshDataPlanes = () => {
  const dataDir = mkdtempSync(join(tmpdir(), "modelux-wal-orphans-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return join(dataDir, "dataplane");
};
const logOf = (dataPlanes: string, node: string) => join(dataPlanes, node, "traces");
const ids = (published: Array<Array<{ request_id: string }>>) =>
  published
    .flat()
    .map((row) => row.request_id)
    .sort();

describe("a data plane's trace log takes what gone nodes left beside it", () => {
  test("a killed node's rows (a torn last line skipped) are shipped by the next node; its emptied log is removed", async () => {
    const dataPlanes = freshDataPlanes();
    await killedWalWriter(logOf(dataPlanes, "dp-host-1111"), ["left-1", "left-2"]);
    await killedWalWriter(logOf(dataPlanes, "dp-host-2222"), ["left-3"]);
    const open = readdirSync(logOf(dataPlanes, "dp-host-1111")).find((name) =>
      name.endsWith(".open"),
    );
    writeFileSync(join(logOf(dataPlanes, "dp-host-1111"), open ?? ""), '{"request_id":"torn"', {
      flag: "a",
    });

    const { bus, published } = fakeBus();
    const lines: string[] = [];
    const emitter = new WalTraceEmitter({
      directory: logOf(dataPlanes, "dp-host-3333"),
      bus: () => bus,
      log: (line) => lines.push(line),
    });
    cleanups.push(() => emitter.stop());
    expect(emitter.adoptOrphans(dataPlanes, "traces")).toBe(2);
    expect(emitter.pendingBytes()).toBeGreaterThan(0);
    emitter.emit(trace("own"));
    await emitter.ship();

    expect(ids(published)).toEqual(["left-1", "left-2", "left-3", "own"]);
    expect(emitter.pendingBytes()).toBe(0);
    expect(existsSync(logOf(dataPlanes, "dp-host-1111"))).toBe(false);
    expect(existsSync(logOf(dataPlanes, "dp-host-2222"))).toBe(false);
    expect(lines).toContain(
      `trace log ${logOf(dataPlanes, "dp-host-3333")}: took 1 segments from ${logOf(dataPlanes, "dp-host-1111")}, whose writer is gone`,
    );
    // Nothing is left to take a second time.
    expect(emitter.adoptOrphans(dataPlanes, "traces")).toBe(0);
  });

  test("a live node's log, another host's and an empty one are left as they are", async () => {
    const dataPlanes = freshDataPlanes();
    const live = await liveWalWriter(logOf(dataPlanes, "dp-live"), ["live-1"]);
    cleanups.push(() => live.kill());
    // Another machine's process (a log on shared storage): its pid means nothing here.
    const elsewhere = logOf(dataPlanes, "dp-elsewhere");
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(
      join(elsewhere, "1.ndjson"),
      `${encodeTraceLine(requestLogRow(trace("elsewhere-1")))}\n`,
    );
    writeFileSync(
      join(elsewhere, "wal.lock"),
      `${JSON.stringify({ pid: 1, hostname: "another-host", since: "2026-12-07T00:00:00.000Z", process_start: null, token: "t" })}\n`,
    );
    // A node stopped cleanly: its lock released, nothing left to ship.
    const stopped = logOf(dataPlanes, "dp-stopped");
    mkdirSync(stopped, { recursive: true });

    const { bus, published } = fakeBus();
    const emitter = new WalTraceEmitter({
      directory: logOf(dataPlanes, "dp-new"),
      bus: () => bus,
    });
    cleanups.push(() => emitter.stop());
    expect(emitter.adoptOrphans(dataPlanes, "traces")).toBe(0);
    await emitter.ship();

    expect(published.flat()).toEqual([]);
    const segments = (directory: string) =>
      readdirSync(directory).filter((name) => /\.(ndjson|open)$/.test(name));
    expect(segments(logOf(dataPlanes, "dp-live"))).toHaveLength(1);
    expect(readdirSync(elsewhere).sort()).toEqual(["1.ndjson", "wal.lock"]);
    // No lock was made in a log with nothing to take.
    expect(readdirSync(stopped)).toEqual([]);
  });

  test("a data plane started on that data dir ships them over its bus", async () => {
    const dataPlanes = freshDataPlanes();
    await killedWalWriter(logOf(dataPlanes, "dp-host-4444"), [
      "before-restart-1",
      "before-restart-2",
    ]);
    const bus = createInProcessBus();
    cleanups.push(() => bus.close());
    const { received, subscription } = await receivedTraceIds(bus);
    cleanups.push(() => subscription.unsubscribe());
    const node = await startDataPlane({
      nodeId: "dp-host-5555",
      hostname: "127.0.0.1",
      port: 0,
      secretBox: new SecretBox(randomBytes(32)),
      bus: Promise.resolve(bus),
      traceDirectory: logOf(dataPlanes, "dp-host-5555"),
      nodeTraceLogs: dataPlanes,
      log: () => {},
    });
    cleanups.push(() => node.stop({ graceMs: 100 }));

    await waitFor(() => received.length >= 2);
    expect(received.sort()).toEqual(["before-restart-1", "before-restart-2"]);
    expect(existsSync(logOf(dataPlanes, "dp-host-4444"))).toBe(false);
  });
});
