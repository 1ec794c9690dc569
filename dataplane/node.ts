// Assembles a data plane: HTTP server up at once, the cached snapshot loaded, then the bus wired
// in whenever it arrives (snapshot updates and control events). Used by `bun run dataplane` and
// by the embedded default.
import { basename } from "node:path";
import type { Bus, Subscription } from "#shared/bus/bus.ts";
import { connectedStateStore } from "#shared/bus/connected-state-store.ts";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import {
  defaultObservability,
  defaultRequestLimits,
  type RequestLimitSettings,
  type UploadLimitSettings,
} from "#shared/env/settings.ts";
import { WalDirectoryOwnedError } from "#shared/fs/directory-lock.ts";
import { drain } from "#shared/http/drain.ts";
import { UNLIMITED_BY_BUN } from "#shared/http/request-guard.ts";
import { serverErrorHandler } from "#shared/http/server-error.ts";
import { type Logger, logError } from "#shared/log.ts";
import { BudgetLedger } from "./budgets/budget-ledger.ts";
import { applyPurgeEvent } from "./cache/purge-event.ts";
import { createDataPlaneContext, type DataPlaneContext } from "./context.ts";
import { guardDataPlane } from "./http-guard.ts";
import { KeyLimiter } from "./limits/key-limiter.ts";
import { CircuitPublisher } from "./routing/circuit-publisher.ts";
import { HealthTracker } from "./routing/health.ts";
import { createDataPlaneApp } from "./server.ts";
import { SnapshotLoader } from "./snapshot/snapshot-loader.ts";
import { busGatewayBatchService } from "./surfaces/files-batches/bus-gateway-batches.ts";
import { serviceRunner } from "./surfaces/files-batches/gateway-batch-runner.ts";
import type { GatewayBatchService } from "./surfaces/files-batches/gateway-batch-service.ts";
import type { TelemetrySettings } from "./telemetry/telemetry.ts";
import { WalTraceEmitter } from "./trace/wal-emitter.ts";

export interface DataPlaneOptions {
  nodeId: string;
  hostname: string;
  port: number;
  secretBox: SecretBox;
  /** Resolves when the bus is reachable; the node serves from its cache until then. */
  bus: Promise<Bus>;
  cacheFile?: string;
  /** Where the trace write-ahead log lives; without it traces stay in memory only. */
  traceDirectory?: string;
  /**
   * Where every node's log of this data dir is (`<data dir>/dataplane`, each `<node>/<the trace
   * directory's name>`): logs there whose writer is gone are taken in at start and shipped
   * (wal-emitter.ts adoptOrphans). Absent: only this node's own log is read.
   */
  nodeTraceLogs?: string;
  /** How often the node re-reads the newest snapshot as a safety net behind the watch. */
  resyncMs?: number;
  /** Body size, failed authentications, shutdown grace (settings; defaults when absent). */
  limits?: RequestLimitSettings & Partial<UploadLimitSettings>;
  /** Metrics, access log, OpenTelemetry (settings; metrics alone when absent). */
  observability?: TelemetrySettings;
  /** Who keeps and runs gateway batches (the embedded default's control plane); else the bus's. */
  gatewayBatches?: GatewayBatchService;
  log: Logger;
}

export interface RunningDataPlane {
  readonly url: string;
  readonly port: number;
  readonly context: DataPlaneContext;
  /** What the HTTP server does with a request, called in process (bench/overhead/fixed-cost.ts). */
  handle(request: Request): Response | Promise<Response>;
  /**
   * Fails /readyz and stops accepting connections at once, lets in-flight requests and streams
   * finish (cut after the grace period, MODELUX_SHUTDOWN_GRACE_MS), then flushes spend and traces.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export async function startDataPlane(options: DataPlaneOptions): Promise<RunningDataPlane> {
  const loader = new SnapshotLoader({
    secretBox: options.secretBox,
    ...(options.cacheFile ? { cacheFile: options.cacheFile } : {}),
    log: options.log,
  });
  let connectedBus: Bus | null = null;
  // Set as soon as the bus arrives: the store needs no subscription to be ready.
  let stateBus: Bus | null = null;
  // The directory is this node's alone: a second live node on it (the same node id and data
  // dir) is refused here, before it serves anything (wal-directory.ts).
  const traces = options.traceDirectory
    ? await openTraceLog(
        options.traceDirectory,
        options.nodeTraceLogs ?? null,
        () => connectedBus,
        options.log,
      )
    : null;
  // The control planes hear which circuits are open (provider health), soon after each change.
  const circuits = new CircuitPublisher({ nodeId: options.nodeId, log: options.log });
  const context = createDataPlaneContext({
    nodeId: options.nodeId,
    loader,
    health: new HealthTracker({ onStateChange: () => circuits.soon() }),
    budgets: new BudgetLedger({ nodeId: options.nodeId, log: options.log }),
    limits: new KeyLimiter({ nodeId: options.nodeId, log: options.log }),
    ...(traces ? { traces } : {}),
    // The bus's store once it is there; BusUnavailableError (a 503) until then.
    state: connectedStateStore(() => stateBus),
    // The response cache follows the bus's store once it arrives (below).
    cacheFeed: "later",
    telemetry: {
      settings: options.observability ?? defaultObservability(),
      ...(traces ? { traceLog: traces } : {}),
    },
  });
  traces?.start();
  const cached = await loader.loadCache();
  if (!cached.applied && options.cacheFile)
    options.log(`starting without a cached snapshot (${cached.reason})`);

  const limits = options.limits ?? defaultRequestLimits();
  const app = createDataPlaneApp(context, {
    // In a fleet, the control planes answer over the bus (bus-gateway-batches.ts).
    gatewayBatches: serviceRunner(
      options.gatewayBatches ?? busGatewayBatchService(() => connectedBus),
    ),
  });
  const guarded = guardDataPlane(app.fetch, limits);
  let draining = false;
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    // A request that reaches a draining node (an open keep-alive connection) learns it at /readyz.
    fetch: (request, server) =>
      draining && request.url.endsWith("/readyz")
        ? Response.json(
            { status: "not_ready", node_id: context.nodeId, reason: "shutting down" },
            { status: 503 },
          )
        : guarded.fetch(request, server),
    error: serverErrorHandler(options.log),
    idleTimeout: 255,
    maxRequestBodySize: UNLIMITED_BY_BUN,
  });

  let stopped = false;
  let stopping: Promise<void> | null = null;
  let controlSubscription: Subscription | null = null;
  let budgetSubscription: Subscription | null = null;
  let peerSpendSubscription: Subscription | null = null;
  let peerLimitSubscription: Subscription | null = null;
  // Spend is recorded from the first request; it is sent once the bus is there.
  context.budgets.start(() => connectedBus);
  context.limits.start(() => connectedBus);
  circuits.start({
    bus: () => connectedBus,
    health: context.health,
    runtime: () => loader.current,
  });
  let resync: ReturnType<typeof setInterval> | null = null;
  const wiring = options.bus.then(async (bus) => {
    if (stopped) return;
    stateBus = bus;
    await loader.follow(bus);
    budgetSubscription = await bus.subscribeBudgetState((state) =>
      context.budgets.applyState(state),
    );
    peerSpendSubscription = await bus.subscribeSpendDeltas((delta) =>
      context.budgets.applyPeerDelta(delta),
    );
    peerLimitSubscription = await bus.subscribeLimitUsage((usage) =>
      context.limits.applyPeerUsage(usage),
    );
    connectedBus = bus;
    controlSubscription = await bus.subscribeControl((event) => {
      if (event.type === "api_key.revoked") context.revokedKeyHashes.add(event.key_hash);
      if (event.type === "cache.purge") applyPurgeEvent(context.cache, event);
    });
    await context.cache
      .follow(bus.state)
      .catch((error) =>
        logError(options.log, `response cache feed failed: ${(error as Error).message}`),
      );
    // Watches recover from reconnects; this catches anything a reconnect window swallowed.
    resync = setInterval(() => {
      if (!bus.isConnected()) return;
      bus.config
        .latest()
        .then(
          (latest) => latest && loader.current?.version !== latest.version && loader.apply(latest),
        )
        .catch(() => {});
    }, options.resyncMs ?? 5000);
  });
  wiring.catch((error) => logError(options.log, `bus wiring failed: ${(error as Error).message}`));

  return {
    url: `http://${server.hostname}:${server.port}`,
    port: server.port ?? options.port,
    context,
    handle: (request) => guarded.fetch(request, server),
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        stopped = true;
        draining = true;
        if (resync) clearInterval(resync);
        circuits.stop();
        await drain(server, stopOptions.graceMs ?? limits.MODELUX_SHUTDOWN_GRACE_MS, options.log);
        await controlSubscription?.unsubscribe().catch(() => {});
        await context.cache.stop().catch(() => {});
        await budgetSubscription?.unsubscribe().catch(() => {});
        await peerSpendSubscription?.unsubscribe().catch(() => {});
        await peerLimitSubscription?.unsubscribe().catch(() => {});
        await context.budgets.stop(connectedBus);
        await context.limits.stop(connectedBus);
        await traces?.stop();
        await context.telemetry.stop();
        await loader.stop();
      })();
      return stopping;
    },
  };
}

/** How long a node waits for its log while another process holds it, before refusing to start. */
const OWNED_LOG_WAIT_MS = 2_000;

/**
 * This node's log, with what gone nodes left beside it (`nodeTraceLogs`) taken in to ship: a node
 * started again under a new node id (the default one has the pid in it) ships what its killed run
 * left. Another node starting at the same moment may hold this node's directory for the instant
 * it takes such segments, so a held log is tried again for a short while before the node refuses
 * to start.
 */
async function openTraceLog(
  directory: string,
  nodeTraceLogs: string | null,
  bus: () => Bus | null,
  log: Logger,
): Promise<WalTraceEmitter> {
  const deadline = performance.now() + OWNED_LOG_WAIT_MS;
  for (;;) {
    try {
      const emitter = new WalTraceEmitter({ directory, bus, log });
      try {
        if (nodeTraceLogs !== null) emitter.adoptOrphans(nodeTraceLogs, basename(directory));
      } catch (error) {
        // What could not be moved stays where it is, for the next node that starts.
        log(
          `trace log ${directory}: segments of gone nodes not taken: ${(error as Error).message}`,
        );
      }
      return emitter;
    } catch (error) {
      if (!(error instanceof WalDirectoryOwnedError)) throw error;
      if (performance.now() < deadline) {
        await Bun.sleep(50);
        continue;
      }
      throw new Error(
        `${error.message}. Each data plane needs a trace log of its own: give this one another ` +
          "MODELUX_NODE_ID or MODELUX_DATA_DIR",
        { cause: error },
      );
    }
  }
}
