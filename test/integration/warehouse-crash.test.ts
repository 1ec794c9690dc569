// The request log survives crashes (issue 7, "done when"): a fleet under load loses a data plane
// and the control plane (its ingester) to SIGKILL at the same moment; both come back. Every
// request that got a 200 has exactly one row in the Parquet warehouse, and no row is there twice:
// the data plane's rows were on its disk before it answered, the stream kept what the ingester
// had not acked, and the ingester drops what it had already written.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FleetDataPlane, startFleet, type TestFleet } from "../support/fleet.ts";
import { ParquetRows } from "../support/parquet-rows.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

// Requests in flight at once per data plane.
const CONCURRENCY = 4;

describe.skipIf(servicesAbsent)("warehouse: a data plane and the ingester killed mid-load", () => {
  let fleet: TestFleet;
  const tracesRoot = mkdtempSync(join(tmpdir(), "modelux-warehouse-crash-"));
  const warehouseRows = new ParquetRows(tracesRoot);

  beforeAll(async () => {
    fleet = await startFleet({
      name: "warehouse-crash",
      dataPlanes: 2,
      controlEnv: { MODELUX_TRACES_ROOT: tracesRoot },
    });
  }, 60_000);
  afterAll(async () => {
    await fleet?.stop();
    await warehouseRows.close();
    rmSync(tracesRoot, { recursive: true, force: true });
  });

  const rowsPerRequestId = async () => {
    const rows = await warehouseRows.query(
      "SELECT request_id, count(*) AS copies FROM request_logs GROUP BY request_id",
    );
    return new Map(rows.map((row) => [String(row.request_id), Number(row.copies)]));
  };

  test("every answered request has exactly one row", async () => {
    const answered: string[] = [];
    let loading = true;
    const load = async (plane: FleetDataPlane) => {
      while (loading) {
        try {
          const response = await fetch(`${plane.url}/openai/v1/chat/completions`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${fleet.tenant.proxyKey}`,
              "content-type": "application/json",
            },
            body: JSON.stringify({
              model: "openai/gpt-4o-mini",
              messages: [{ role: "user", content: "hello warehouse" }],
            }),
          });
          await response.arrayBuffer();
          const requestId = response.headers.get("x-modelux-request-id");
          if (response.status === 200 && requestId) answered.push(requestId);
        } catch {
          await Bun.sleep(25); // the plane is down: connection refused
        }
      }
    };
    const [victim, survivor] = fleet.dataPlanes as [FleetDataPlane, FleetDataPlane];
    const workers = [victim, survivor].flatMap((plane) =>
      Array.from({ length: CONCURRENCY }, () => load(plane)),
    );

    // Kill once the ingester is busy: rows are reaching Parquet, so it holds batches it has not
    // written or acked yet, and the victim has rows in its log it has not shipped.
    await waitUntil(async () => answered.length >= 300 && (await rowsPerRequestId()).size > 0, {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    await Bun.sleep(Math.random() * 1000);
    const beforeCrash = answered.length;
    await Promise.all([victim.child.stop("SIGKILL"), fleet.controlPlane.stop("SIGKILL")]);
    // The survivor keeps answering while the ingester is gone; its rows wait in the stream.
    await Bun.sleep(1000);
    await Promise.all([victim.restart(), fleet.restartControlPlane()]);
    const afterRestart = answered.length;
    await waitUntil(() => answered.length >= afterRestart + 200, { timeoutMs: 20_000 });
    loading = false;
    await Promise.all(workers);
    expect(beforeCrash).toBeGreaterThan(0);

    // Batches the killed ingester held unacked come back after the stream's 30 s ack wait.
    let stored = new Map<string, number>();
    await waitUntil(
      async () => {
        stored = await rowsPerRequestId();
        return answered.every((requestId) => stored.has(requestId));
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch(() => {});

    const missing = answered.filter((requestId) => !stored.has(requestId));
    const duplicated = [...stored].filter(([, copies]) => copies !== 1);
    expect({ answered: answered.length, missing: missing.slice(0, 10), duplicated }).toEqual({
      answered: answered.length,
      missing: [],
      duplicated: [],
    });
    expect(new Set(answered).size).toBe(answered.length);
  }, 150_000);
});
