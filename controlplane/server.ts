// The control plane's HTTP app. Health and readiness here; the Management API (issue 5) mounts
// its modules on this instance.
import { Elysia } from "elysia";
import type { DatabaseHandle } from "./db/client.ts";

export interface ControlPlaneDependencies {
  database: DatabaseHandle;
  /** The version the fleet was last handed, null before the first publish. */
  snapshotVersion: () => number | null;
  isBusConnected: () => boolean;
}

export function createControlPlaneApp(dependencies: ControlPlaneDependencies) {
  return new Elysia()
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
