// `bun run dataplane`: one stateless data plane of a fleet, fed over NATS.
import { hostname } from "node:os";
import { join } from "node:path";
import { connectNatsWithRetry } from "#shared/bus/connect-with-retry.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { egressPolicyFrom } from "#shared/egress/policy.ts";
import {
  dataPlaneSchema,
  decodeSecretKey,
  readSettingsOrExit,
  stateRetentionFrom,
} from "#shared/env/settings.ts";
import { configureLogging, createLogger } from "#shared/log.ts";
import { startDataPlane } from "./node.ts";
import { useUpstreamClient, useUpstreamEgressPolicy } from "./pipeline/upstream-fetch.ts";

const settings = readSettingsOrExit(dataPlaneSchema);
configureLogging({ level: settings.MODELUX_LOG_LEVEL, format: settings.MODELUX_LOG_FORMAT });
useUpstreamEgressPolicy(egressPolicyFrom(settings));
useUpstreamClient(settings.MODELUX_UPSTREAM_CLIENT);
const nodeId =
  settings.MODELUX_NODE_ID ??
  `dp-${hostname()
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, 40)}-${process.pid}`;
const log = createLogger(`dataplane[${nodeId}]`);
const secretKey = decodeSecretKey(settings.MODELUX_SECRET_KEY);
if (!secretKey) throw new Error("unreachable: MODELUX_SECRET_KEY was validated");
// During a rotation the old key still opens what it sealed (docs/operations.md).
const previousKey = decodeSecretKey(settings.MODELUX_SECRET_KEY_PREVIOUS ?? "");

const connection = connectNatsWithRetry(
  settings.NATS_URL,
  `modelux-dataplane-${nodeId}`,
  log,
  undefined,
  { state: { retention: stateRetentionFrom(settings) } },
);
const node = await startDataPlane({
  nodeId,
  hostname: settings.MODELUX_HOST,
  port: settings.DATAPLANE_PORT,
  secretBox: new SecretBox(secretKey, previousKey ? [previousKey] : []),
  bus: connection.ready,
  cacheFile: join(settings.MODELUX_DATA_DIR, "dataplane", nodeId, "snapshot.json"),
  traceDirectory: join(settings.MODELUX_DATA_DIR, "dataplane", nodeId, "traces"),
  nodeTraceLogs: join(settings.MODELUX_DATA_DIR, "dataplane"),
  limits: settings,
  observability: settings,
  log,
});
log(`listening on ${node.url}`);

// One shutdown, whichever signal comes first (a second one is ignored; SIGKILL remains).
let shuttingDown = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(
      `${signal}: draining (readyz fails, no new connections, up to ${settings.MODELUX_SHUTDOWN_GRACE_MS} ms for requests in flight)`,
    );
    await node.stop();
    log("drained; spend and traces flushed");
    await connection.close();
    process.exit(0);
  });
}
