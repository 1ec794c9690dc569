// The control plane's /metrics (docs/operations.md), all read when scraped: the warehouse
// ingester (rows written, held, how far behind the fleet), the webhook outbox and the experiment
// queue (counted in Postgres, so every control plane of a fleet reports the same figures), the
// bus and the snapshot the fleet was handed.
import { count, min, sql } from "drizzle-orm";
import { Counter, Gauge, Registry } from "prom-client";
import { withProcessMetrics } from "#shared/telemetry/process-metrics.ts";
import type { Database } from "../db/client.ts";
import { experiments, webhookDeliveries } from "../db/schema/index.ts";
import type { IngesterStats } from "../warehouse/index.ts";

export interface ControlPlaneMetricsSources {
  db: Database;
  /** The running ingester's figures; null before the bus (and so the warehouse) is there. */
  warehouse: () => IngesterStats | null;
  busConnected: () => boolean;
  snapshotVersion: () => number | null;
  snapshotPublishFailing: () => boolean;
  now?: () => number;
}

const WEBHOOK_STATUSES = ["pending", "delivered", "failed"] as const;
const EXPERIMENT_STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;

export function controlPlaneRegistry(sources: ControlPlaneMetricsSources): Registry {
  const registry = new Registry();
  const registers = [registry];
  const now = sources.now ?? Date.now;

  const ingested = (name: string, help: string, read: (stats: IngesterStats) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        const stats = sources.warehouse();
        this.reset();
        if (stats) this.inc(read(stats));
      },
    });
  ingested(
    "modelux_warehouse_rows_written_total",
    "Request-log rows the ingester wrote to Parquet.",
    (stats) => stats.rowsWritten,
  );
  ingested(
    "modelux_warehouse_duplicates_dropped_total",
    "Rows dropped as already stored (redeliveries).",
    (stats) => stats.duplicatesDropped,
  );
  ingested(
    "modelux_warehouse_poison_dropped_total",
    "Records dropped as unusable (no request id, no timestamp).",
    (stats) => stats.poisonDropped,
  );
  ingested(
    "modelux_warehouse_failed_writes_total",
    "Parquet writes that failed (their rows are redelivered).",
    (stats) => stats.failedWrites,
  );
  new Gauge({
    name: "modelux_warehouse_rows_held",
    help: "Rows received from the bus and not yet written.",
    registers,
    collect() {
      this.set(sources.warehouse()?.heldRows ?? 0);
    },
  });
  new Gauge({
    name: "modelux_warehouse_ingest_lag_seconds",
    help: "At the last write: the age of the oldest row written (how far behind the fleet the warehouse was); -1 before the first.",
    registers,
    collect() {
      const lag = sources.warehouse()?.lagMs ?? null;
      this.set(lag === null ? -1 : lag / 1000);
    },
  });

  new Gauge({
    name: "modelux_webhook_deliveries",
    help: "Webhook deliveries in the outbox by status (pending: the queue; delivered and failed: kept history).",
    labelNames: ["status"],
    registers,
    async collect() {
      const rows = await sources.db
        .select({ status: webhookDeliveries.status, count: count() })
        .from(webhookDeliveries)
        .groupBy(webhookDeliveries.status);
      for (const status of WEBHOOK_STATUSES)
        this.set({ status }, Number(rows.find((row) => row.status === status)?.count ?? 0));
    },
  });
  new Gauge({
    name: "modelux_webhook_oldest_pending_age_seconds",
    help: "Age of the oldest webhook delivery still pending (0: none).",
    registers,
    async collect() {
      const [row] = await sources.db
        .select({ oldest: min(webhookDeliveries.created_at) })
        .from(webhookDeliveries)
        .where(sql`${webhookDeliveries.status} = 'pending'`);
      const oldest = row?.oldest ? new Date(row.oldest).getTime() : null;
      this.set(oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });
  new Gauge({
    name: "modelux_experiments",
    help: "Experiments by status (queued and running: the runner's queue; completed, failed, cancelled: runs so far).",
    labelNames: ["status"],
    registers,
    async collect() {
      const rows = await sources.db
        .select({ status: experiments.status, count: count() })
        .from(experiments)
        .groupBy(experiments.status);
      for (const status of EXPERIMENT_STATUSES)
        this.set({ status }, Number(rows.find((row) => row.status === status)?.count ?? 0));
    },
  });

  new Gauge({
    name: "modelux_bus_connected",
    help: "1 while the control plane is connected to the bus, else 0.",
    registers,
    collect() {
      this.set(sources.busConnected() ? 1 : 0);
    },
  });
  new Gauge({
    name: "modelux_snapshot_published_version",
    help: "Version of the config snapshot last handed to the fleet (0: none yet).",
    registers,
    collect() {
      this.set(sources.snapshotVersion() ?? 0);
    },
  });
  new Gauge({
    name: "modelux_snapshot_publish_failing",
    help: "1 while publishing the newest snapshot fails (data planes serve an older one), else 0.",
    registers,
    collect() {
      this.set(sources.snapshotPublishFailing() ? 1 : 0);
    },
  });
  return withProcessMetrics(registry);
}
