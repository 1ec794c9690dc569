// Assembles a control plane, the one place its parts are started and stopped: the warehouse
// ingester, budget accounting and the snapshot publisher once the bus is there; the experiment
// runner and scheduler, the webhook worker and the HTTP app (Management API, MCP, health) at
// once. Stopping runs the same list backwards. Used by `bun run controlplane` and by the embedded
// default; the caller opens the database and the bus, and closes them after `stop()`.

import { join } from "node:path";
import type { Bus, Subscription } from "#shared/bus/bus.ts";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import type {
  ControlPlaneSettings,
  ManagementSettings,
  ObservabilitySettings,
  RequestLimitSettings,
  WarehouseSettings,
} from "#shared/env/settings.ts";
import { drain } from "#shared/http/drain.ts";
import { UNLIMITED_BY_BUN } from "#shared/http/request-guard.ts";
import { serverErrorHandler } from "#shared/http/server-error.ts";
import type { Logger } from "#shared/log.ts";
import type { GatewayBatchService } from "../dataplane/in-process.ts";
import { startAnomalyWatch } from "./anomalies/watch.ts";
import { gatewayBatchService } from "./batches/batch-service.ts";
import { startEndedBatchLogSweep } from "./batches/ended-batch-logs.ts";
import { serveGatewayBatches } from "./batches/serve-batches.ts";
import { startNodeBatchWorker } from "./batches/start-worker.ts";
import type { BatchWorker } from "./batches/worker.ts";
import { type BudgetAccounting, startBudgetAccounting } from "./budgets/index.ts";
import { startCircuitAlertWatch } from "./circuit-alerts/watch.ts";
import { dashboardBundle } from "./dashboard/bundle.ts";
import type { DatabaseHandle } from "./db/client.ts";
import { startExperimentRunner } from "./experiments/runner.ts";
import { startExperimentScheduler } from "./experiments/scheduler.ts";
import { guardControlPlane } from "./http-guard.ts";
import { createManagement } from "./management.ts";
import { FleetCircuits } from "./modules/provider-health/fleet-circuits.ts";
import { startPredictionCheckWatch } from "./prediction-checks/watch.ts";
import { SnapshotPublisher } from "./publisher/snapshot-publisher.ts";
import { createControlPlaneApp } from "./server.ts";
import { controlPlaneRegistry } from "./telemetry/metrics.ts";
import { type RunningWarehouse, startWarehouse, tracesRoot } from "./warehouse/index.ts";
import { createWarehouseQuery } from "./warehouse/query.ts";

/** What a control plane reads of the settings, in a fleet and in the embedded default. */
export type ControlPlaneNodeSettings = ManagementSettings &
  WarehouseSettings &
  RequestLimitSettings &
  Pick<ControlPlaneSettings, "MODELUX_SNAPSHOT_POLL_MS">;

export interface ControlPlaneOptions {
  hostname: string;
  port: number;
  /** Open and migrated; the caller closes it after `stop()`. */
  database: DatabaseHandle;
  /**
   * Resolves when the bus is reachable; until then the node serves, not ready. The caller
   * closes the bus after `stop()`.
   */
  bus: Promise<Bus>;
  secretBox: SecretBox;
  settings: ControlPlaneNodeSettings;
  /** False: no gateway batch worker here (another control plane runs them). Default on. */
  batchWorker?: boolean;
  /** /metrics and its token (settings; /metrics on without a token when absent). */
  observability?: Pick<ObservabilitySettings, "MODELUX_METRICS" | "MODELUX_METRICS_TOKEN">;
  log: Logger;
}

export interface RunningControlPlane {
  readonly url: string;
  readonly port: number;
  /** Gateway batches as the data plane's surfaces ask for them (the embedded default's hook). */
  readonly gatewayBatches: GatewayBatchService;
  /**
   * Resolves with the first snapshot version the fleet was handed, once the bus-bound parts run
   * (null when the node stopped before the bus arrived); rejects naming the part that did not
   * start.
   */
  ready(): Promise<number | null>;
  /**
   * Stops accepting connections and lets requests in flight finish, up to the grace period
   * (MODELUX_SHUTDOWN_GRACE_MS); the background work keeps running. `stop()` does this first.
   */
  drain(options?: { graceMs?: number }): Promise<void>;
  /** Drains, then stops the background work, each part flushing what it holds. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

interface BusParts {
  warehouse: RunningWarehouse | null;
  accounting: BudgetAccounting | null;
  publisher: SnapshotPublisher | null;
}

export async function startControlPlane(
  options: ControlPlaneOptions,
): Promise<RunningControlPlane> {
  const { database, settings, log } = options;
  // The dashboard's bundle (docs/dashboard.md), built now, while the rest starts, rather than at
  // the first page view: a build problem shows at start, and the first page is served at once.
  const bundleStarted = performance.now();
  const dashboardBuilt = dashboardBundle().then(
    () => log(`dashboard built in ${Math.round(performance.now() - bundleStarted)} ms`),
    (error: Error) =>
      log(`the dashboard did not build (the API is unaffected; / retries): ${error.message}`),
  );
  const root = tracesRoot(settings);
  let stopped = false;
  let connectedBus: Bus | null = null;
  const parts: BusParts = { warehouse: null, accounting: null, publisher: null };

  // Each part starts once the one before it runs; the node stopping leaves the rest unstarted.
  const startBusParts = async (bus: Bus): Promise<number | null> => {
    parts.warehouse = await startPart("trace warehouse", () =>
      startWarehouse({ bus, root, db: database.db, log }),
    );
    if (stopped) return null;
    parts.accounting = await startPart("budget accounting", () =>
      startBudgetAccounting({ db: database.db, bus, log }),
    );
    if (stopped) return null;
    const publisher = new SnapshotPublisher({
      database,
      bus,
      pollMs: settings.MODELUX_SNAPSHOT_POLL_MS,
      log,
    });
    // Set before its first publish: readiness reports a failing one, `stop()` ends its retries.
    parts.publisher = publisher;
    const first = await startPart("snapshot publisher", () => publisher.start());
    return first.version;
  };
  let busPartsStarting: Promise<number | null> | null = null;
  // Logs and analytics read the Parquet root the ingester writes (docs/warehouse.md); so does
  // the batch worker's lookup after a crash.
  const warehouseQuery = await createWarehouseQuery({ root });
  // Gateway-run batches (docs/batches-and-files.md): run once the bus is there, so each line's
  // spend reaches the fleet's budgets and its trace the warehouse.
  let batchWorker: BatchWorker | null = null;
  let endedBatchLogs: { stop(): Promise<void> } | null = null;
  let batchService: Promise<Subscription> | null = null;
  // What the data planes say about their circuit breakers (provider health), from the bus.
  const fleetCircuits = new FleetCircuits();
  // provider.health_changed when a provider's circuits open or all close again, once a fleet.
  const circuitAlerts = startCircuitAlertWatch({ db: database.db, fleetCircuits, log });
  let circuitSubscription: Promise<Subscription> | null = null;
  const gatewayBatches = gatewayBatchService(database.db);
  const busArrived = options.bus.then((bus) => {
    if (stopped) return null;
    connectedBus = bus;
    circuitSubscription = bus.subscribeCircuitStates((states) => {
      fleetCircuits.apply(states);
      circuitAlerts.wake();
    });
    circuitSubscription.catch((error: Error) =>
      log(`circuit states over the bus: ${error.message}`),
    );
    if (options.batchWorker !== false) {
      batchService = serveGatewayBatches(bus, gatewayBatches, log);
      batchService.catch((error: Error) => log(`gateway batches over the bus: ${error.message}`));
      const batchTraces = join(settings.MODELUX_DATA_DIR, "controlplane", "batch-traces");
      batchWorker = startNodeBatchWorker({
        db: database.db,
        secretBox: options.secretBox,
        bus,
        traceDirectory: batchTraces,
        log,
        warehouse: warehouseQuery,
      });
      // Rows left in the logs of batches that have ended since: no plane of theirs ships them.
      endedBatchLogs = startEndedBatchLogSweep({
        db: database.db,
        bus,
        traceDirectory: batchTraces,
        log,
      });
    }
    busPartsStarting = startBusParts(bus);
    return busPartsStarting;
  });
  // Whoever asks `ready()` sees a failure; an unasked one is not an unhandled rejection.
  busArrived.catch(() => {});

  const management = createManagement({
    db: database.db,
    secretBox: options.secretBox,
    settings,
    log,
    warehouse: warehouseQuery,
    fleetCircuits,
    publishControl: async (event) => {
      // The snapshot without the key still reaches the fleet once the bus is back.
      if (!connectedBus)
        throw new Error("NATS is not connected; the next snapshot carries the change");
      await connectedBus.publishControl(event);
    },
    cacheState: () => connectedBus?.state ?? null,
  });
  // Experiments run here, one at a time, over the same Parquet root (docs/experiments.md).
  const experiments = startExperimentRunner({
    db: database.db,
    root,
    log,
    secretBox: options.secretBox,
  });
  // Scheduled experiments (docs/experiments.md#scheduled-experiments): due fires queue their
  // runs for the runner above; any control plane of a fleet may take a fire, one does.
  const scheduler = startExperimentScheduler({
    db: database.db,
    log,
    onQueued: () => experiments.wake(),
  });
  management.start();
  // request.anomaly_detected (docs/anomalies.md): a pass every few minutes over the orgs that
  // listen for it.
  const anomalyWatch = startAnomalyWatch({ db: database.db, warehouse: warehouseQuery, log });
  // experiment.validated (docs/experiments.md): a promoted experiment's prediction checked against
  // what the promoted version served, once it has served a comparable window.
  const predictionChecks = startPredictionCheckWatch({
    db: database.db,
    warehouse: warehouseQuery,
    log,
  });
  const metricsOn = (options.observability?.MODELUX_METRICS ?? "on") === "on";
  const registry = metricsOn
    ? controlPlaneRegistry({
        db: database.db,
        warehouse: () => parts.warehouse?.stats() ?? null,
        busConnected: () => connectedBus?.isConnected() ?? false,
        snapshotVersion: () => parts.publisher?.latest?.version ?? null,
        snapshotPublishFailing: () => (parts.publisher?.failure ?? null) !== null,
      })
    : null;
  const app = createControlPlaneApp({
    database,
    snapshotVersion: () => parts.publisher?.latest?.version ?? null,
    isBusConnected: () => connectedBus?.isConnected() ?? false,
    snapshotPublishFailure: () =>
      parts.publisher ? parts.publisher.failure : "not connected to the bus yet",
    management: management.app,
    ...(registry
      ? {
          metrics: {
            text: () => registry.metrics(),
            contentType: registry.contentType,
            token: options.observability?.MODELUX_METRICS_TOKEN ?? null,
          },
        }
      : {}),
  });
  // Listening only once the dashboard is there (or failed): `/` never waits on a build.
  await dashboardBuilt;
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    fetch: guardControlPlane(app.fetch, settings).fetch,
    error: serverErrorHandler(log),
    maxRequestBodySize: UNLIMITED_BY_BUN,
  });

  let draining: Promise<void> | null = null;
  const drainServer = (graceMs = settings.MODELUX_SHUTDOWN_GRACE_MS) => {
    draining ??= drain(server, graceMs, log);
    return draining;
  };
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${server.hostname}:${server.port}`,
    port: server.port ?? options.port,
    gatewayBatches,
    ready: () => busArrived,
    drain: (drainOptions = {}) => drainServer(drainOptions.graceMs),
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        stopped = true;
        // Backwards from the start: requests first, then the background work, each part flushing
        // what it holds (spend applied, traces written).
        await drainServer(stopOptions.graceMs);
        await management.stop();
        await scheduler.stop();
        await (circuitSubscription as Promise<Subscription> | null)
          ?.then((subscription) => subscription.unsubscribe())
          .catch(() => {});
        await experiments.stop();
        anomalyWatch.stop();
        await circuitAlerts.stop();
        await predictionChecks.stop();
        // In-flight lines finish and are recorded, their spend and traces sent, before the bus parts stop.
        await (batchService as Promise<Subscription> | null)
          ?.then((subscription) => subscription.unsubscribe())
          .catch(() => {});
        await (batchWorker as BatchWorker | null)?.stop();
        await endedBatchLogs?.stop();
        // A bus that arrived mid-start: let the parts it started come up, then stop them.
        await busPartsStarting?.catch(() => {});
        await parts.publisher?.stop();
        await parts.accounting?.stop();
        await parts.warehouse?.stop();
        await warehouseQuery.close();
      })();
      return stopping;
    },
  };
}

/** Runs one part's start, naming the part in its failure. */
async function startPart<T>(name: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw new Error(`${name} failed to start: ${(error as Error).message}`);
  }
}
