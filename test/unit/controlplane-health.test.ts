// The control plane's health says whether the process is up; readiness whether config changes
// reach the fleet: the database answers, the bus is usable and the newest snapshot is on it.
import { describe, expect, test } from "bun:test";
import { openPglite } from "../../controlplane/db/client.ts";
import { createControlPlaneApp } from "../../controlplane/server.ts";

describe("control plane health", () => {
  test("ready while the database answers, the bus is up and the snapshot published; 503 once any is not", async () => {
    const database = await openPglite();
    let busUp = true;
    let publishFailure: string | null = null;
    const app = createControlPlaneApp({
      database,
      snapshotVersion: () => 4,
      isBusConnected: () => busUp,
      snapshotPublishFailure: () => publishFailure,
    });
    const readyz = async () => {
      const response = await app.handle(new Request("http://localhost/readyz"));
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: "ready", database: "up", bus: "up", snapshot_version: 4 },
    });

    busUp = false;
    expect(await readyz()).toEqual({
      status: 503,
      body: {
        status: "not_ready",
        database: "up",
        bus: "down",
        snapshot_version: 4,
        reason: "the bus is down",
      },
    });

    busUp = true;
    publishFailure = "stream not found";
    const failing = await readyz();
    expect(failing.status).toBe(503);
    expect(failing.body.reason).toBe("snapshot publish failing: stream not found");

    publishFailure = null;
    expect((await readyz()).status).toBe(200);

    await database.close();
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body.database).toBe("down");
    expect((await app.handle(new Request("http://localhost/healthz"))).status).toBe(200);
  });

  test("not ready before the first snapshot is published", async () => {
    const database = await openPglite();
    const app = createControlPlaneApp({
      database,
      snapshotVersion: () => null,
      isBusConnected: () => true,
    });
    const response = await app.handle(new Request("http://localhost/readyz"));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { reason: string }).reason).toBe(
      "no snapshot published yet",
    );
    await database.close();
  });
});
