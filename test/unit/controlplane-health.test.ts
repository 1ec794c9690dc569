// The control plane's health says whether the process is up; readiness whether its database
// answers, with the bus and the fleet's snapshot version alongside.
import { describe, expect, test } from "bun:test";
import { openPglite } from "../../controlplane/db/client.ts";
import { createControlPlaneApp } from "../../controlplane/server.ts";

describe("control plane health", () => {
  test("ready while the database answers, 503 once it is gone", async () => {
    const database = await openPglite();
    const app = createControlPlaneApp({
      database,
      snapshotVersion: () => 4,
      isBusConnected: () => false,
    });
    const ready = await app.handle(new Request("http://localhost/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      database: "up",
      bus: "down",
      snapshot_version: 4,
    });

    await database.close();
    const notReady = await app.handle(new Request("http://localhost/readyz"));
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { database: string }).database).toBe("down");
    expect((await app.handle(new Request("http://localhost/healthz"))).status).toBe(200);
  });
});
