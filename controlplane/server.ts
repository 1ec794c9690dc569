// The control plane's HTTP app: health and readiness, and the Management API with the MCP
// server when given (controlplane/management.ts).
import { Elysia } from "elysia";
import { raiseTransportHeaderLimit } from "#shared/http/header-limit.ts";
import { appErrorHandlers } from "./api/app-errors.ts";
import type { DatabaseHandle } from "./db/client.ts";

export interface ControlPlaneDependencies {
  database: DatabaseHandle;
  /** The version the fleet was last handed, null before the first publish. */
  snapshotVersion: () => number | null;
  isBusConnected: () => boolean;
  /** /manage/v1, /manage/docs and /mcp. */
  management?: Elysia;
}

export function createControlPlaneApp(dependencies: ControlPlaneDependencies) {
  raiseTransportHeaderLimit();
  // Every answer is JSON in the Management API's error shape, unknown paths and methods included.
  const errors = appErrorHandlers(() => app.routes);
  const app = new Elysia()
    .onRequest((hook) => errors.onRequest(hook))
    .onError((hook) => errors.onError(hook));
  if (dependencies.management) app.use(dependencies.management);
  return app
    .get("/healthz", () => ({ status: "ok" }))
    .get("/readyz", async () => {
      const databaseUp = await dependencies.database.ping();
      const body = {
        status: databaseUp ? "ready" : "not_ready",
        database: databaseUp ? "up" : "down",
        bus: dependencies.isBusConnected() ? "up" : "down",
        snapshot_version: dependencies.snapshotVersion(),
      };
      return Response.json(body, { status: databaseUp ? 200 : 503 });
    });
}
