// Anomaly detection (docs/anomalies.md): a route's cost per request spikes in one 15-minute
// window against its trailing 90 minutes; detection run twice and by two control planes at once
// sends exactly one request.anomaly_detected, and a steady route sends none.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { detectAnomalies } from "../../controlplane/anomalies/detect.ts";
import { startAnomalyWatch } from "../../controlplane/anomalies/watch.ts";
import { orgs, webhookDeliveries, webhooks } from "../../controlplane/db/schema/index.ts";
import { createWarehouseQuery, type WarehouseQuery } from "../../controlplane/warehouse/query.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";
import { servicesAbsent } from "../support/services.ts";

const WINDOW = 15 * 60_000;
// The judged window is [T - 15 min, T); the baseline the 90 minutes before it.
const T = Date.UTC(2026, 2, 4, 12);

describe.skipIf(servicesAbsent)("anomaly detection (Postgres, DuckDB)", () => {
  let database: TestDatabase;
  let warehouse: WarehouseQuery;
  let root: string;
  const orgId = newId("org");

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-anomalies-"));
    warehouse = await createWarehouseQuery({ root, threads: 1 });
    await database.handle.db.insert(orgs).values({ id: orgId, name: "a", slug: "a" });
    await database.handle.db.insert(webhooks).values({
      id: newId("webhook"),
      org_id: orgId,
      url: "http://127.0.0.1:9/hook",
      event_types: ["request.anomaly_detected"],
      signing_secret_ciphertext: "unused",
      enabled: true,
    });
    const rows = [];
    for (let minute = -105; minute < 0; minute++) {
      const spiking = minute >= -15;
      for (const route of ["support", "steady"]) {
        rows.push(
          requestLogRow({
            org_id: orgId,
            project_id: "prj_a",
            created_at: new Date(T + minute * 60_000 + 1000).toISOString(),
            config_slug: route,
            strategy: "single",
            resolved: "config",
            cost_usd: route === "support" && spiking ? 0.01 : 0.001,
          }),
          requestLogRow({
            org_id: orgId,
            project_id: "prj_a",
            created_at: new Date(T + minute * 60_000 + 2000).toISOString(),
            config_slug: route,
            strategy: "single",
            resolved: "config",
            cost_usd: 0.001,
          }),
        );
      }
    }
    await writeRequestLogs(root, rows);
  });
  afterAll(async () => {
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("a cost spike on one route sends exactly one event, however often detection runs", async () => {
    const db = database.handle.db;
    // The control plane's periodic pass (it finds this org by its listening endpoint) and a
    // direct pass, at once.
    const watch = startAnomalyWatch({ db, warehouse, log: () => {}, now: () => T + 2000 });
    const [direct, byWatch] = await Promise.all([
      detectAnomalies(db, warehouse, orgId, T + 1000),
      watch.runOnce(),
    ]);
    watch.stop();
    const again = await detectAnomalies(db, warehouse, orgId, T + WINDOW - 1);
    expect(again).toEqual([]);
    expect(direct.length + byWatch).toBe(1);
    const deliveries = await db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.event_type, "request.anomaly_detected"));
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.payload).toMatchObject({
      type: "request.anomaly_detected",
      org_id: orgId,
      data: {
        route: "support",
        metric: "cost_per_request",
        requests: 30,
        baseline_requests: 180,
        window: { start: new Date(T - WINDOW).toISOString(), end: new Date(T).toISOString() },
      },
    });
    const data = deliveries[0]?.payload.data as { value: number; baseline: number };
    expect(data.value).toBeCloseTo(0.0055, 9);
    expect(data.baseline).toBeCloseTo(0.001, 9);
  });
});
