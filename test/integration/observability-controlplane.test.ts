// The control plane's /metrics on Postgres with the in-process bus (docs/operations.md): a row the
// fleet published is counted once the ingester wrote it, with how far behind it was; the webhook
// outbox's queue and the experiment queue as Postgres counts them; the bus and the snapshot; the
// metrics token honoured.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { controlPlaneSchema, readSettings } from "#shared/env/settings.ts";
import { newId } from "#shared/ids/ids.ts";
import { webhookDeliveries, webhooks } from "../../controlplane/db/schema/index.ts";
import { type RunningControlPlane, startControlPlane } from "../../controlplane/node.ts";
import { seedOrg, testSecretBox } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { parseSamples, sumOf } from "../support/prometheus-text.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const TOKEN = "controlplane-scrape-0123456789";

describe.skipIf(servicesAbsent)("control plane /metrics", () => {
  let database: TestDatabase;
  let root: string;
  let node: RunningControlPlane;
  const bus = createInProcessBus();

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-controlplane-metrics-"));
    const settings = readSettings(controlPlaneSchema, {
      DATABASE_URL: "postgres://unused",
      NATS_URL: "nats://unused",
      MODELUX_SECRET_KEY: "7".repeat(64),
      MODELUX_TRACES_ROOT: root,
      MODELUX_METRICS_TOKEN: TOKEN,
    });
    node = await startControlPlane({
      hostname: "127.0.0.1",
      port: 0,
      database: database.handle,
      bus: Promise.resolve(bus),
      secretBox: testSecretBox,
      settings,
      observability: settings,
      log: () => {},
    });
    await node.ready();
  });
  afterAll(async () => {
    await node?.stop({ graceMs: 100 });
    await bus.close();
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const scrape = async () => {
    const response = await fetch(`${node.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    return parseSamples(await response.text());
  };

  test("without the token: 401", async () => {
    expect((await fetch(`${node.url}/metrics`)).status).toBe(401);
  });

  test("ingest: a published row counted once written, with the lag it was written at", async () => {
    const { orgId, projectId } = await seedOrg(database.handle, "metrics");
    const servedAt = Date.now() - 90_000;
    await bus.publishTraces([
      {
        request_id: Bun.randomUUIDv7(),
        created_at: new Date(servedAt).toISOString(),
        org_id: orgId,
        project_id: projectId,
        status: 200,
      },
    ]);
    await waitUntil(
      async () => sumOf(await scrape(), "modelux_warehouse_rows_written_total") === 1 || null,
    );
    const samples = await scrape();
    // Written 90 s or more after it was served: the lag says so.
    expect(sumOf(samples, "modelux_warehouse_ingest_lag_seconds")).toBeGreaterThanOrEqual(90);
    expect(sumOf(samples, "modelux_warehouse_rows_held")).toBe(0);
    expect(sumOf(samples, "modelux_warehouse_failed_writes_total")).toBe(0);
  });

  test("the webhook queue and the experiment queue, as Postgres counts them", async () => {
    const { orgId } = await seedOrg(database.handle, "webhooks");
    const webhookId = newId("webhook");
    await database.handle.db.insert(webhooks).values({
      id: webhookId,
      org_id: orgId,
      url: "https://hooks.example.com/modelux",
      event_types: ["budget.exceeded"],
      signing_secret_ciphertext: testSecretBox.encrypt("whsec_test"),
      // Disabled: the worker leaves its deliveries pending.
      enabled: false,
    });
    const createdAt = new Date(Date.now() - 600_000);
    for (const status of ["pending", "pending", "delivered"] as const)
      await database.handle.db.insert(webhookDeliveries).values({
        id: newId("webhookDelivery"),
        webhook_id: webhookId,
        event_id: newId("webhookEvent"),
        event_type: "budget.exceeded",
        payload: {},
        status,
        created_at: createdAt,
      });
    const samples = await scrape();
    expect(sumOf(samples, "modelux_webhook_deliveries", { status: "pending" })).toBe(2);
    expect(sumOf(samples, "modelux_webhook_deliveries", { status: "delivered" })).toBe(1);
    expect(sumOf(samples, "modelux_webhook_oldest_pending_age_seconds")).toBeGreaterThanOrEqual(
      600,
    );
    expect(sumOf(samples, "modelux_experiments", { status: "queued" })).toBe(0);
    expect(samples.some((sample) => sample.name === "modelux_experiments")).toBe(true);
  });

  test("the bus and the snapshot handed to the fleet", async () => {
    const samples = await scrape();
    expect(sumOf(samples, "modelux_bus_connected")).toBe(1);
    expect(sumOf(samples, "modelux_snapshot_published_version")).toBeGreaterThanOrEqual(1);
    expect(sumOf(samples, "modelux_snapshot_publish_failing")).toBe(0);
    expect(samples.some((sample) => sample.name === "process_resident_memory_bytes")).toBe(true);
  });
});
