// The control plane's HTTP app: health and readiness, /metrics when given, and the Management API
// with the MCP server when given (controlplane/management.ts).
import { Elysia } from "elysia";
import { raiseTransportHeaderLimit } from "#shared/http/header-limit.ts";
import {
  METRICS_PATH,
  type MetricsSource,
  metricsResponse,
} from "#shared/telemetry/metrics-endpoint.ts";
import { appErrorHandlers } from "./api/app-errors.ts";
import type { DatabaseHandle } from "./db/client.ts";

export interface ControlPlaneDependencies {
  database: DatabaseHandle;
  /** The version the fleet was last handed, null before the first publish. */
  snapshotVersion: () => number | null;
  isBusConnected: () => boolean;
  /** Why the fleet may lack the newest snapshot (the last publish failed); null when it has it. */
  snapshotPublishFailure?: () => string | null;
  /** /manage/v1, /manage/docs and /mcp. */
  management?: Elysia;
  /** `GET /metrics` (absent: MODELUX_METRICS=off). */
  metrics?: MetricsSource;
}

export function createControlPlaneApp(dependencies: ControlPlaneDependencies) {
  raiseTransportHeaderLimit();
  // Every answer is JSON in the Management API's error shape, unknown paths and methods included.
  const errors = appErrorHandlers(() => app.routes);
  const app = new Elysia()
    .onRequest((hook) => errors.onRequest(hook))
    .onError((hook) => errors.onError(hook));
  if (dependencies.management) app.use(dependencies.management);
  const metrics = dependencies.metrics;
  if (metrics) app.get(METRICS_PATH, ({ request }) => metricsResponse(request, metrics));
  return app
    .get("/healthz", () => ({ status: "ok" }))
    .get("/readyz", async () => {
      const databaseUp = await dependencies.database.ping();
      const busUp = dependencies.isBusConnected();
      const version = dependencies.snapshotVersion();
      // Ready means config changes reach the fleet: the database answers, the bus is usable and
      // the newest snapshot is on it.
      const publishFailure = dependencies.snapshotPublishFailure?.() ?? null;
      const reasons = [
        databaseUp ? null : "the database is down",
        busUp ? null : "the bus is down",
        publishFailure === null ? null : `snapshot publish failing: ${publishFailure}`,
        version === null ? "no snapshot published yet" : null,
      ].filter((reason) => reason !== null);
      const ready = reasons.length === 0;
      const body = {
        status: ready ? "ready" : "not_ready",
        database: databaseUp ? "up" : "down",
        bus: busUp ? "up" : "down",
        snapshot_version: version,
        ...(ready ? {} : { reason: reasons.join("; ") }),
      };
      return Response.json(body, { status: ready ? 200 : 503 });
    });
}
