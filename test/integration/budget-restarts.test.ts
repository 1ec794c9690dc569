// Spend survives restarts (issue 14, point 4), as users run a fleet: one control plane and two
// data planes as processes on real Postgres and NATS, under concurrent streaming and
// non-streaming load. The control plane is SIGKILLed mid-load and started again at once, NATS is
// killed and started again, then the control plane is killed and stays down while requests are
// served. Afterwards the budget's recorded spend equals the warehouse's sum(cost_usd) for the
// same requests, to the cent, and every answered request is in the warehouse once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { budgetSpend } from "../../controlplane/db/schema/index.ts";
import { type FleetDataPlane, startFleet, type TestFleet } from "../support/fleet.ts";
import { ParquetRows } from "../support/parquet-rows.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const USER = "restart-user";
const CONCURRENCY = 3;

describe.skipIf(servicesAbsent)("budget spend across control-plane and NATS restarts", () => {
  let fleet: TestFleet;
  const tracesRoot = mkdtempSync(join(tmpdir(), "modelux-budget-restarts-"));
  const warehouseRows = new ParquetRows(tracesRoot);

  beforeAll(async () => {
    fleet = await startFleet({
      name: "budget-restarts",
      dataPlanes: 2,
      controlEnv: { MODELUX_TRACES_ROOT: tracesRoot },
    });
  }, 60_000);
  afterAll(async () => {
    await fleet?.stop();
    await warehouseRows.close();
    rmSync(tracesRoot, { recursive: true, force: true });
  });

  /** The warehouse's rows for the load's end user: request id → cost. */
  const warehouse = async () => {
    const rows = await warehouseRows.query(
      "SELECT request_id, cost_usd FROM request_logs WHERE end_user = $user",
      { user: USER },
    );
    return rows.map((row) => ({
      requestId: String(row.request_id),
      costUsd: Number(row.cost_usd),
    }));
  };

  const recordedSpend = async (budgetId: string) => {
    const rows = await fleet.database.handle.db
      .select({ usd: budgetSpend.spend_usd })
      .from(budgetSpend)
      .where(eq(budgetSpend.budget_id, budgetId));
    return rows.reduce((sum, row) => sum + Number(row.usd), 0);
  };

  test("recorded spend equals the warehouse's sum(cost_usd) after SIGKILLs of the control plane and NATS", async () => {
    const created = await fleet.manage("POST", "/budgets", {
      name: "restart-budget",
      period: "monthly",
      scope: { type: "customer", value: USER },
      cap_usd: 1_000,
      action: "block",
      fail_mode: "open",
    });
    expect(created.status).toBe(201);
    const budgetId = created.data.id as string;
    // Every data plane holds the budget before the load starts (it names it in its headers).
    await waitUntil(
      async () => {
        const answers = await Promise.all(
          fleet.dataPlanes.map((plane) =>
            fetch(`${plane.url}/openai/v1/chat/completions`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${fleet.tenant.proxyKey}`,
                "content-type": "application/json",
                "x-modelux-dry-run": "true",
              },
              body: JSON.stringify({
                model: "openai/gpt-4o-mini",
                "mlx:end_user": USER,
                messages: [{ role: "user", content: "hi" }],
              }),
            }),
          ),
        );
        return answers.every(
          (answer) => answer.headers.get("x-modelux-budget-name") === "restart-budget",
        );
      },
      { timeoutMs: 10_000, intervalMs: 50, message: "budget not on every data plane" },
    );

    const answered: string[] = [];
    const statuses = new Map<number, number>();
    let loading = true;
    const load = async (plane: FleetDataPlane, stream: boolean) => {
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
              max_tokens: 48,
              stream,
              ...(stream ? { stream_options: { include_usage: true } } : {}),
              "mlx:end_user": USER,
              messages: [{ role: "user", content: `spend across restarts ${Math.random()}` }],
            }),
          });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const requestId = response.headers.get("x-modelux-request-id");
          if (response.status === 200 && requestId) answered.push(requestId);
        } catch {
          await Bun.sleep(25);
        }
      }
    };
    const workers = fleet.dataPlanes.flatMap((plane) =>
      Array.from({ length: CONCURRENCY }, (_, index) => load(plane, index % 2 === 1)),
    );
    const answeredAtLeast = (count: number) =>
      waitUntil(() => answered.length >= count, {
        timeoutMs: 30_000,
        message: `fewer than ${count} requests answered\n${fleet.output()}`,
      });

    // Under way, with spend reaching the control plane: then it dies and comes straight back.
    await waitUntil(async () => answered.length >= 100 && (await recordedSpend(budgetId)) > 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await fleet.restartControlPlane("SIGKILL");
    await answeredAtLeast(answered.length + 100);
    // NATS dies (its store survives) and comes back.
    await fleet.nats.stop();
    await answeredAtLeast(answered.length + 30);
    await fleet.nats.start();
    await answeredAtLeast(answered.length + 100);
    // The control plane dies and stays down while requests are served and spend is sent.
    await fleet.controlPlane.stop("SIGKILL");
    await answeredAtLeast(answered.length + 150);
    await fleet.restartControlPlane();
    await answeredAtLeast(answered.length + 100);
    loading = false;
    await Promise.all(workers);

    // Batches the killed ingester held unacked come back after the stream's 30 s ack wait.
    let rows: Awaited<ReturnType<typeof warehouse>> = [];
    await waitUntil(
      async () => {
        rows = await warehouse();
        const stored = new Set(rows.map((row) => row.requestId));
        return answered.every((requestId) => stored.has(requestId));
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    ).catch(() => {});
    const warehouseUsd = rows.reduce((sum, row) => sum + row.costUsd, 0);
    // Data planes send again what no broadcast reported applied (after 3 s): wait for the sum.
    let recorded = await recordedSpend(budgetId);
    await waitUntil(
      async () => {
        recorded = await recordedSpend(budgetId);
        return Math.abs(recorded - warehouseUsd) < 1e-9;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch(() => {});
    console.log(
      `budget restarts: ${answered.length} answered (statuses ${JSON.stringify(Object.fromEntries(statuses))}), ` +
        `${rows.length} warehouse rows; recorded $${recorded.toFixed(8)}, warehouse $${warehouseUsd.toFixed(8)}, ` +
        `lost ${(((warehouseUsd - recorded) / warehouseUsd) * 100).toFixed(2)}%`,
    );

    const stored = new Set(rows.map((row) => row.requestId));
    expect(answered.filter((requestId) => !stored.has(requestId))).toEqual([]);
    expect(rows.length).toBe(stored.size);
    expect(warehouseUsd).toBeGreaterThan(0);
    // To the cent, and in fact to the float: each request's cost counted exactly once.
    expect(Math.abs(recorded - warehouseUsd)).toBeLessThan(0.005);
    expect(recorded).toBeCloseTo(warehouseUsd, 9);
  }, 240_000);
});
