// A data plane's trace write-ahead log is its own (shared/fs/directory-lock.ts): a second
// `bun run dataplane` on the same node id and data dir does not start, and says whose log it is
// and what to change; once the first is killed (SIGKILL: its lock is left behind), the next one
// on that directory takes it over. The processes are real; nothing depends on NATS being there
// (a node serves its health before the bus arrives). A node with the default node id (a new log
// at each start) takes in the log a killed node left under the same data dir.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChildProcess, freePort, killedWalWriter, spawnChild } from "../support/processes.ts";
import { natsUrl } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const dataDir = mkdtempSync(join(tmpdir(), "modelux-trace-log-owner-"));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) await child.stop("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/** A node named dp-shared, or with the default node id (`dp-<hostname>-<pid>`) when null. */
function dataPlane(name: string, port: number, nodeId: string | null = "dp-shared"): ChildProcess {
  const child = spawnChild(name, ["bun", "run", "dataplane/main.ts"], {
    NATS_URL: natsUrl,
    MODELUX_SECRET_KEY: "ab".repeat(32),
    DATAPLANE_PORT: String(port),
    MODELUX_HOST: "127.0.0.1",
    ...(nodeId === null ? {} : { MODELUX_NODE_ID: nodeId }),
    MODELUX_DATA_DIR: dataDir,
  });
  children.push(child);
  return child;
}

const healthy = (port: number, child: ChildProcess) =>
  waitUntil(
    async () =>
      (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok === true || null,
    { timeoutMs: 20_000, message: `not healthy:\n${child.output()}` },
  );

const traceLog = join(dataDir, "dataplane", "dp-shared", "traces");
const lockPid = () => JSON.parse(readFileSync(join(traceLog, "wal.lock"), "utf8")).pid as number;

describe("data plane: one process per trace log", () => {
  test("a second node on the same node id and data dir is refused, naming the owner; a killed one's log is taken over", async () => {
    const firstPort = freePort();
    const first = dataPlane("first", firstPort);
    await healthy(firstPort, first);
    expect(lockPid()).toBe(first.process.pid);

    const second = dataPlane("second", freePort());
    const exitCode = await second.process.exited;
    expect(exitCode).not.toBe(0);
    expect(second.output()).toContain(
      `the write-ahead log ${traceLog} belongs to pid ${first.process.pid}`,
    );
    expect(second.output()).toContain("another MODELUX_NODE_ID or MODELUX_DATA_DIR");
    // The first one is untouched and still serving.
    expect((await fetch(`http://127.0.0.1:${firstPort}/healthz`)).status).toBe(200);
    expect(lockPid()).toBe(first.process.pid);

    await first.stop("SIGKILL");
    const thirdPort = freePort();
    const third = dataPlane("third", thirdPort);
    await healthy(thirdPort, third);
    expect(lockPid()).toBe(third.process.pid);
    expect(third.output()).toContain(`took over from pid ${first.process.pid}`);
  }, 60_000);

  test("a node with the default node id takes in what a killed node left under the data dir", async () => {
    // A node killed with rows on its disk (its bus away), under a node id nothing reuses.
    const gone = join(dataDir, "dataplane", "dp-host-killed", "traces");
    await killedWalWriter(gone, ["left-by-a-killed-node"]);
    const port = freePort();
    const node = dataPlane("default-id", port, null);
    await healthy(port, node);
    // The line is logged before the node serves; the log's writes may reach the pipe later.
    const line = `took 1 segments from ${gone}, whose writer is gone`;
    await waitUntil(() => node.output().includes(line) || null, {
      timeoutMs: 10_000,
      message: `no "${line}" in:\n${node.output()}`,
    });
    expect(existsSync(gone)).toBe(false);
  }, 60_000);
});
