// `bun run controlplane`: owns Postgres, publishes config snapshots to the fleet over NATS,
// aggregates the fleet's spend into budget totals it broadcasts back, and writes the fleet's
// request log to the Parquet warehouse. The parts and their order live in ./node.ts.
import { connectNatsWithRetry } from "#shared/bus/connect-with-retry.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { egressPolicyFrom } from "#shared/egress/policy.ts";
import {
  controlPlaneSchema,
  decodeSecretKey,
  readSettingsOrExit,
  stateRetentionFrom,
} from "#shared/env/settings.ts";
import { configureLogging, createLogger } from "#shared/log.ts";
import { useUpstreamClient, useUpstreamEgressPolicy } from "../dataplane/in-process.ts";
import { openPostgres } from "./db/client.ts";
import { startControlPlane } from "./node.ts";

const settings = readSettingsOrExit(controlPlaneSchema);
configureLogging({ level: settings.MODELUX_LOG_LEVEL, format: settings.MODELUX_LOG_FORMAT });
// The experiment runner's replay plane calls upstreams through the data plane's attempt loop.
useUpstreamEgressPolicy(egressPolicyFrom(settings));
useUpstreamClient(settings.MODELUX_UPSTREAM_CLIENT);
const log = createLogger("controlplane");
const secretKey = decodeSecretKey(settings.MODELUX_SECRET_KEY);
if (!secretKey) throw new Error("unreachable: MODELUX_SECRET_KEY was validated");
// During a rotation the old key still opens what it sealed (docs/operations.md).
const previousKey = decodeSecretKey(settings.MODELUX_SECRET_KEY_PREVIOUS ?? "");
const database = openPostgres(settings.DATABASE_URL);
// The same retention as the data planes, so whichever plane opens a state bucket sets it alike.
const connection = connectNatsWithRetry(settings.NATS_URL, "modelux-controlplane", log, undefined, {
  state: { retention: stateRetentionFrom(settings) },
});

const node = await startControlPlane({
  hostname: settings.MODELUX_HOST,
  port: settings.CONTROLPLANE_PORT,
  database,
  bus: connection.ready,
  secretBox: new SecretBox(secretKey, previousKey ? [previousKey] : []),
  settings,
  observability: settings,
  log,
});
log(`listening on ${node.url}`);
node
  .ready()
  .then((version) => {
    if (version !== null) log(`fleet snapshot is version ${version}`);
  })
  .catch((error) => {
    // Traces and spend wait in JetStream meanwhile; a control plane that cannot apply them, or
    // cannot publish, must not look healthy.
    log((error as Error).message);
    process.exit(1);
  });

// One shutdown, whichever signal comes first (a second one is ignored; SIGKILL remains): the
// node drains and stops its parts, then the connections close.
let shuttingDown = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${signal}: shutting down (up to ${settings.MODELUX_SHUTDOWN_GRACE_MS} ms for requests)`);
    await node.stop();
    await connection.close();
    await database.close();
    log("stopped");
    process.exit(0);
  });
}
