// The embedded default (`bun run dev`): control plane, data plane and provider simulator in one
// process, PGlite in the data dir, the in-process bus. Same code paths as a fleet, other backends.
import { join, resolve } from "node:path";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { type EmbeddedSettings, stateRetentionFrom } from "#shared/env/settings.ts";
import {
  ANOTHER_HOSTS_LOCK,
  claimWalDirectory,
  describeOwner,
  ownerState,
  type WalLock,
} from "#shared/fs/directory-lock.ts";
import { createLogger } from "#shared/log.ts";
import { openPglite } from "../controlplane/db/client.ts";
import { startControlPlane } from "../controlplane/node.ts";
import { type DevSeed, seedDevelopment } from "../controlplane/seed/dev-seed.ts";
import { startDataPlane } from "../dataplane/node.ts";
import { startSimulator } from "../simulator/server.ts";
import { loadOrCreateSecretKey } from "./secret-key-file.ts";

export interface RunningEmbedded {
  dataPlaneUrl: string;
  controlPlaneUrl: string;
  simulatorUrl: string;
  seed: DevSeed;
  keysFile: string;
  /** Drains both planes (in-flight requests and streams, up to the grace period), then stops. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export async function startEmbedded(
  settings: EmbeddedSettings,
  options: { quiet?: boolean } = {},
): Promise<RunningEmbedded> {
  const dataDir = resolve(settings.MODELUX_DATA_DIR);
  const log = options.quiet ? () => {} : createLogger("modelux");
  // The data dir is this process's alone, before anything in it is opened: PGlite has no guard
  // of its own, and a second process migrating, seeding and writing the same files would
  // corrupt them (a dead process's lock on this host is taken over).
  const lock = claimDataDir(dataDir);
  try {
    const running = await startInDataDir(settings, dataDir, log);
    return {
      ...running,
      async stop(stopOptions) {
        try {
          await running.stop(stopOptions);
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** The data dir's lock file while a `bun run dev` runs on it. */
export const DATA_DIR_LOCK = "modelux.lock";

function claimDataDir(dataDir: string): WalLock {
  const claim = claimWalDirectory(dataDir, DATA_DIR_LOCK);
  if (claim.claimed) return claim.lock;
  const path = join(dataDir, DATA_DIR_LOCK);
  if (claim.owner === null)
    throw new Error(
      `the data dir ${dataDir} has a lock file that cannot be read (${path}); if no modelux runs on it, delete the file and start again`,
    );
  throw new Error(
    `the data dir ${dataDir} is in use by ${describeOwner(claim.owner)} (${path}): ` +
      (ownerState(claim.owner) === "elsewhere"
        ? ANOTHER_HOSTS_LOCK
        : "another `bun run dev` runs on it; stop that one, or give this one another MODELUX_DATA_DIR"),
  );
}

async function startInDataDir(
  settings: EmbeddedSettings,
  dataDir: string,
  log: (message: string) => void,
): Promise<RunningEmbedded> {
  const secretBox = new SecretBox(
    await loadOrCreateSecretKey(settings.MODELUX_SECRET_KEY, join(dataDir, "secret.key")),
  );

  const simulator = startSimulator({ port: settings.SIMULATOR_PORT, hostname: "127.0.0.1" });
  const database = await openPglite(join(dataDir, "pg"));
  await database.migrate();
  const keysFile = join(dataDir, "dev-keys.json");
  const seed = await seedDevelopment({
    db: database.db,
    secretBox,
    simulatorUrl: simulator.url,
    keysFile,
    pinnedProxyKey: settings.MODELUX_DEV_PROXY_KEY,
    pinnedManagementKey: settings.MODELUX_DEV_MANAGEMENT_KEY,
    vendorKeys: { openai: settings.OPENAI_API_KEY, anthropic: settings.ANTHROPIC_API_KEY },
  });

  const bus = createInProcessBus({ state: { retention: stateRetentionFrom(settings) } });
  const controlPlane = await startControlPlane({
    hostname: settings.MODELUX_HOST,
    port: settings.CONTROLPLANE_PORT,
    database,
    bus: Promise.resolve(bus),
    secretBox,
    // The warehouse under the data dir as resolved here, unless MODELUX_TRACES_ROOT moves it.
    settings: { ...settings, MODELUX_DATA_DIR: dataDir },
    observability: settings,
    log,
  });
  await controlPlane.ready().catch(async (error) => {
    await controlPlane.stop();
    throw error;
  });
  const stopTheRest = async () => {
    await controlPlane.stop();
    await bus.close();
    await database.close();
    await simulator.stop();
  };
  // Refused, e.g., when another live process runs on this data dir (its trace log is taken).
  const dataPlane = await startDataPlane({
    nodeId: "embedded",
    hostname: settings.MODELUX_HOST,
    port: settings.DATAPLANE_PORT,
    secretBox,
    bus: Promise.resolve(bus),
    traceDirectory: join(dataDir, "dataplane", "embedded", "traces"),
    nodeTraceLogs: join(dataDir, "dataplane"),
    // Batches on a routing config are run by the control plane's worker, handed over in process.
    gatewayBatches: controlPlane.gatewayBatches,
    limits: settings,
    observability: settings,
    log,
  }).catch(async (error) => {
    await stopTheRest();
    throw error;
  });
  await waitFor(() => dataPlane.context.loader.current !== null, 5000);

  return {
    dataPlaneUrl: `http://127.0.0.1:${dataPlane.port}`,
    controlPlaneUrl: `http://127.0.0.1:${controlPlane.port}`,
    simulatorUrl: simulator.url,
    seed,
    keysFile,
    async stop(stopOptions = {}) {
      const graceMs = stopOptions.graceMs ?? settings.MODELUX_SHUTDOWN_GRACE_MS;
      // Both planes stop taking requests at once; the data plane then flushes spend and traces.
      await Promise.all([dataPlane.stop({ graceMs }), controlPlane.drain({ graceMs })]);
      // After the data plane, whose last spend and rows the control plane still applies and writes.
      await stopTheRest();
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the data plane did not load its first snapshot");
    await Bun.sleep(10);
  }
}
