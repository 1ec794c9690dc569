// The rows a gateway batch's plane left in its write-ahead log once the batch has ended
// (controlplane/batches/ended-batch-logs.ts): shipped by the control plane's sweep, the emptied
// directory removed; a running batch's log is left to its plane (its lookup after a crash reads
// it), and rows the bus does not take now stay for the next sweep. The planes are real processes
// killed with SIGKILL (their locks left behind), the batches rows in Postgres.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { shipEndedBatchLogs } from "../../controlplane/batches/ended-batch-logs.ts";
import { gatewayBatches, orgs, projects } from "../../controlplane/db/schema/index.ts";
import { writeAheadSegmentFiles } from "../../dataplane/in-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { killedWalWriter } from "../support/processes.ts";
import { servicesAbsent } from "../support/services.ts";
import { receivedTraceIds, waitFor } from "../support/trace-fixtures.ts";

describe.skipIf(servicesAbsent)("the logs of ended batches", () => {
  let database: TestDatabase;
  const traceDirectory = mkdtempSync(join(tmpdir(), "modelux-ended-batch-logs-"));

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.handle.db;
    await db.insert(orgs).values({ id: "org_b", name: "Batches", slug: "batches" });
    await db.insert(projects).values({ id: "prj_b", org_id: "org_b", name: "Main", slug: "main" });
    const batch = (id: string, status: "in_progress" | "ended") => ({
      id,
      org_id: "org_b",
      project_id: "prj_b",
      key_id: "key_b",
      surface: "openai" as const,
      endpoint: "/v1/chat/completions",
      status,
      reason: "a line names @nightly",
      total_lines: 2,
    });
    await db
      .insert(gatewayBatches)
      .values([batch("batch_ended", "ended"), batch("batch_running", "in_progress")]);
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(traceDirectory, { recursive: true, force: true });
  });

  /** One sweep of the ended batches' logs over `bus`, its log lines to `log`. */
  const sweep = (bus: Bus, log: (line: string) => void = () => {}) =>
    shipEndedBatchLogs({ db: database.handle.db, bus, traceDirectory, log });

  test("an ended (or deleted) batch's rows are shipped and its directory removed; a running one's are left", async () => {
    await killedWalWriter(join(traceDirectory, "batch_ended"), ["ended-1", "ended-2"]);
    // A second plane of the same batch (a control plane that took it over), dead too.
    await killedWalWriter(join(traceDirectory, "batch_ended", "writer-2"), ["ended-3"]);
    await killedWalWriter(join(traceDirectory, "batch_deleted"), ["deleted-1"]);
    await killedWalWriter(join(traceDirectory, "batch_running"), ["running-1"]);

    const bus = createInProcessBus();
    const { received, subscription } = await receivedTraceIds(bus);
    const lines: string[] = [];
    try {
      const emptied = await sweep(bus, (line) => lines.push(line));
      expect(emptied.sort()).toEqual(["batch_deleted", "batch_ended"]);
      await waitFor(() => received.length >= 4);
      expect(received.sort()).toEqual(["deleted-1", "ended-1", "ended-2", "ended-3"]);
      expect(existsSync(join(traceDirectory, "batch_ended"))).toBe(false);
      expect(existsSync(join(traceDirectory, "batch_deleted"))).toBe(false);
      expect(writeAheadSegmentFiles(join(traceDirectory, "batch_running"))).toHaveLength(1);
      expect(lines).toContain("batch batch_ended has ended: the rows its planes left are shipped");
      // A second sweep finds nothing more to do.
      expect(await sweep(bus)).toEqual([]);
    } finally {
      await subscription.unsubscribe();
      await bus.close();
    }
  });

  test("rows the bus does not take now stay for the next sweep", async () => {
    await killedWalWriter(join(traceDirectory, "batch_ended"), ["later-1"]);
    const inProcess = createInProcessBus();
    const away: Bus = { ...inProcess, isConnected: () => false };
    try {
      expect(await sweep(away)).toEqual([]);
      expect(writeAheadSegmentFiles(join(traceDirectory, "batch_ended"))).toHaveLength(1);
      // Back: the next sweep ships them.
      expect(await sweep(inProcess)).toEqual(["batch_ended"]);
    } finally {
      await inProcess.close();
    }
  });

  test("answers kept beside an ended batch's shipped rows are deleted with its directory", async () => {
    // The rows shipped before the plane died; a 2 MB answer stayed in its file.
    const answers = join(traceDirectory, "batch_ended", "answers");
    mkdirSync(answers, { recursive: true });
    writeFileSync(join(answers, "req_big"), "x".repeat(2_000_000));
    const bus = createInProcessBus();
    try {
      expect(await sweep(bus)).toEqual(["batch_ended"]);
      expect(existsSync(join(traceDirectory, "batch_ended"))).toBe(false);
    } finally {
      await bus.close();
    }
  });
});
