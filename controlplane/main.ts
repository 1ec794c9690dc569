// `bun run controlplane`: owns Postgres, publishes config snapshots to the fleet over NATS,
// aggregates the fleet's spend into budget totals it broadcasts back, and writes the fleet's
// request log to the Parquet warehouse.
import { connectNatsWithRetry } from "#shared/bus/connect-with-retry.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { egressPolicyFrom } from "#shared/egress/policy.ts";
import { controlPlaneSchema, decodeSecretKey, readSettingsOrExit } from "#shared/env/settings.ts";
import { drain } from "#shared/http/drain.ts";
import { UNLIMITED_BY_BUN } from "#shared/http/request-guard.ts";
import { createLogger } from "#shared/log.ts";
import { useUpstreamEgressPolicy } from "../dataplane/in-process.ts";
import { type BudgetAccounting, startBudgetAccounting } from "./budgets/index.ts";
import { openPostgres } from "./db/client.ts";
import { startExperimentRunner } from "./experiments/runner.ts";
import { guardControlPlane } from "./http-guard.ts";
import { createManagement } from "./management.ts";
import { SnapshotPublisher } from "./publisher/snapshot-publisher.ts";
import { createControlPlaneApp } from "./server.ts";
import { type RunningWarehouse, startWarehouse, tracesRoot } from "./warehouse/index.ts";
import { createWarehouseQuery } from "./warehouse/query.ts";

const settings = readSettingsOrExit(controlPlaneSchema);
// The experiment runner's replay plane calls upstreams through the data plane's attempt loop.
useUpstreamEgressPolicy(egressPolicyFrom(settings));
const log = createLogger("controlplane");
const database = openPostgres(settings.DATABASE_URL);
const connection = connectNatsWithRetry(settings.NATS_URL, "modelux-controlplane", log);

// Validated by the settings schema, so it decodes.
const secretBox = new SecretBox(decodeSecretKey(settings.MODELUX_SECRET_KEY) as Uint8Array);
// Logs and analytics read the Parquet root the ingester writes (docs/warehouse.md).
const warehouseQuery = await createWarehouseQuery({ root: tracesRoot(settings) });
const management = createManagement({
  db: database.db,
  secretBox,
  settings,
  log,
  warehouse: warehouseQuery,
  publishControl: async (event) => {
    const bus = connection.current();
    // The snapshot without the key still reaches the fleet once NATS is back.
    if (!bus) throw new Error("NATS is not connected; the next snapshot carries the change");
    await bus.publishControl(event);
  },
});

let publisher: SnapshotPublisher | null = null;
let accounting: BudgetAccounting | null = null;
let warehouse: RunningWarehouse | null = null;
const app = createControlPlaneApp({
  database,
  snapshotVersion: () => publisher?.latest?.version ?? null,
  isBusConnected: () => connection.current()?.isConnected() ?? false,
  snapshotPublishFailure: () => (publisher ? publisher.failure : "not connected to the bus yet"),
  management: management.app,
});
const server = Bun.serve({
  hostname: settings.MODELUX_HOST,
  port: settings.CONTROLPLANE_PORT,
  fetch: guardControlPlane(app.fetch, settings).fetch,
  maxRequestBodySize: UNLIMITED_BY_BUN,
});
log(`listening on http://${server.hostname}:${server.port}`);
management.start();
// Experiments run here, one at a time, over the same Parquet root (docs/experiments.md).
const experiments = startExperimentRunner({
  db: database.db,
  root: tracesRoot(settings),
  log,
  secretBox,
});

connection.ready
  .then(async (bus) => {
    publisher = new SnapshotPublisher({
      database,
      bus,
      pollMs: settings.MODELUX_SNAPSHOT_POLL_MS,
      log,
    });
    const first = await publisher.start();
    log(`fleet snapshot is version ${first.version}`);
    accounting = await startBudgetAccounting({ db: database.db, bus, log });
  })
  .catch((error) => {
    log(`snapshot publisher or budget accounting failed to start: ${(error as Error).message}`);
    process.exit(1);
  });

connection.ready
  .then(async (bus) => {
    warehouse = await startWarehouse({
      bus,
      root: tracesRoot(settings),
      db: database.db,
      log,
    });
  })
  .catch((error) => {
    // Traces wait in JetStream meanwhile; a warehouse that cannot write must not look healthy.
    log(`trace warehouse failed to start: ${(error as Error).message}`);
    process.exit(1);
  });

// In order: stop taking requests and let those in flight finish, then the background work, then
// flush what it holds (spend applied, traces written) and close the connections.
let shuttingDown = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${signal}: shutting down (up to ${settings.MODELUX_SHUTDOWN_GRACE_MS} ms for requests)`);
    await drain(server, settings.MODELUX_SHUTDOWN_GRACE_MS, log);
    await management.stop();
    await experiments.stop();
    await publisher?.stop();
    await accounting?.stop();
    await warehouse?.stop();
    await warehouseQuery.close();
    await connection.close();
    await database.close();
    log("stopped");
    process.exit(0);
  });
}
