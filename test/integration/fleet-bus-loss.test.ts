// A fleet whose NATS server goes away: a key revoked during the outage is refused by every data
// plane once NATS is back, and the revoke call says the fleet was not reached; after NATS loses
// its store the control plane rebuilds what the bus kept and republishes, and the data planes
// follow changes again, with no process restarted. /readyz says what is true meanwhile. The
// control plane's safety-net poll is set to an hour so only the recovery path can deliver.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { CONFIG_BUCKET, SNAPSHOT_KEY, TRACE_CONSUMER, TRACE_STREAM } from "#shared/bus/subjects.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";
import { startFleet, type TestFleet } from "../support/fleet.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const HOUR_MS = 3_600_000;

describe.skipIf(servicesAbsent)("fleet: losing the bus", () => {
  let fleet: TestFleet;

  const chat = (url: string, key: string, model = "@default") =>
    fetch(`${url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] }),
    });
  const statuses = (key: string, model?: string) =>
    Promise.all(fleet.dataPlanes.map(async (plane) => (await chat(plane.url, key, model)).status));
  const everyPlaneAnswers = async (status: number, key: string, model?: string) =>
    (await statuses(key, model)).every((each) => each === status);
  const readyz = async (url: string) => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const linesContaining = (text: string, part: string) =>
    text.split("\n").filter((line) => line.includes(part)).length;
  const within = <T>(probe: () => Promise<T>, message: string) =>
    waitUntil(probe, { timeoutMs: 30_000, intervalMs: 100, message }).catch((error: Error) => {
      throw new Error(`${error.message}\n${fleet.output()}`);
    });

  async function newKey(name: string): Promise<{ id: string; key: string }> {
    const created = await fleet.manage("POST", "/api-keys", {
      project_id: fleet.tenant.projectId,
      name,
    });
    expect(created.status).toBe(201);
    const key = { id: created.data.id as string, key: created.data.key as string };
    await within(() => everyPlaneAnswers(200, key.key), `key ${name} not accepted by the fleet`);
    return key;
  }

  beforeAll(async () => {
    fleet = await startFleet({
      name: "bus-loss",
      dataPlanes: 2,
      controlEnv: { MODELUX_SNAPSHOT_POLL_MS: String(HOUR_MS) },
    });
  }, 90_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  test("a key revoked with NATS up is refused by every data plane and the answer says the fleet was reached", async () => {
    const { id, key } = await newKey("revoked-while-up");
    const revoked = await fleet.manage("POST", `/api-keys/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.data.status).toBe("revoked");
    expect(revoked.data.fleet).toEqual({ notified: true, warning: null });
    await within(() => everyPlaneAnswers(401, key), "revoked key still accepted");
  }, 60_000);

  test("a key revoked while NATS is down: the answer says the fleet was not reached, and every data plane refuses the key once NATS is back", async () => {
    const { id, key } = await newKey("revoked-while-down");
    const lostBefore = fleet.dataPlanes.map((plane) =>
      linesContaining(plane.child.output(), "lost the bus"),
    );

    await fleet.nats.stop();
    await within(
      async () => (await readyz(fleet.controlUrl)).body.bus === "down",
      "control plane did not notice NATS went away",
    );
    const revoked = await fleet.manage("POST", `/api-keys/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.data.status).toBe("revoked");
    const fleetOutcome = revoked.data.fleet as { notified: boolean; warning: string };
    expect(fleetOutcome.notified).toBe(false);
    expect(fleetOutcome.warning).toContain("not reached");
    // The data planes could not have heard of it; each says it lost the bus, once.
    await within(
      async () =>
        fleet.dataPlanes.every(
          (plane, index) =>
            linesContaining(plane.child.output(), "lost the bus") === (lostBefore[index] ?? 0) + 1,
        ),
      "a data plane did not log losing the bus",
    );

    await fleet.nats.start();
    const back = performance.now();
    // No other change is made: the control plane's retry alone must carry the revocation.
    await within(
      () => everyPlaneAnswers(401, key),
      "revoked key still accepted after NATS came back",
    );
    // Reported, not asserted (docs/architecture.md states the bound).
    console.log(
      `revocation honoured by every data plane ${(performance.now() - back).toFixed(0)} ms after NATS came back`,
    );
    // Each logs regaining it, once.
    await within(
      async () =>
        fleet.dataPlanes.every(
          (plane, index) =>
            linesContaining(plane.child.output(), "regained the bus") ===
            (lostBefore[index] ?? 0) + 1,
        ),
      "a data plane did not log regaining the bus",
    );
    // The tenant's own key was never affected.
    expect(await everyPlaneAnswers(200, fleet.tenant.proxyKey)).toBe(true);
  }, 90_000);

  test("after NATS loses its store the bus is rebuilt and the newest snapshot republished, changes reach the fleet again without restarts, and /readyz tells the truth", async () => {
    const before = await readyz(fleet.controlUrl);
    expect(before.status).toBe(200);
    const versionBefore = before.body.snapshot_version as number;

    await fleet.nats.stop();
    // The control plane cannot publish: not ready. Data planes keep serving their last snapshot.
    await within(async () => {
      const state = await readyz(fleet.controlUrl);
      return state.status === 503 && state.body.bus === "down";
    }, "control plane still ready with NATS gone");
    for (const plane of fleet.dataPlanes) {
      await within(async () => {
        const state = await readyz(plane.url);
        return state.status === 200 && state.body.bus === "disconnected";
      }, `${plane.name} readiness does not say the bus is gone`);
    }
    expect(await everyPlaneAnswers(200, fleet.tenant.proxyKey)).toBe(true);

    await fleet.nats.wipe();
    await within(
      async () => (await readyz(fleet.controlUrl)).status === 200,
      "control plane not ready again",
    );

    // What the bus kept is back: the config bucket with the newest snapshot, the trace stream
    // and the ingester's consumer.
    const admin = await connect({ servers: fleet.nats.url, timeout: 5000 });
    try {
      const jsm = await jetstreamManager(admin);
      const kv = await new Kvm(admin).open(CONFIG_BUCKET);
      await within(async () => {
        const entry = await kv.get(SNAPSHOT_KEY);
        return (entry?.json<{ version: number }>().version ?? 0) >= versionBefore;
      }, "newest snapshot not republished into the recreated bucket");
      expect((await jsm.streams.info(TRACE_STREAM)).config.name).toBe(TRACE_STREAM);
      await within(
        async () => (await jsm.consumers.info(TRACE_STREAM, TRACE_CONSUMER)) !== null,
        "trace consumer not recreated",
      );

      // A change made after the loss reaches every data plane.
      await saveRoutingConfig(fleet.database.handle.db, {
        orgId: fleet.tenant.orgId,
        projectId: fleet.tenant.projectId,
        slug: "after-wipe",
        config: { strategy: "single", model: "gpt-4o" },
      });
      await within(
        () => everyPlaneAnswers(200, fleet.tenant.proxyKey, "@after-wipe"),
        "a change made after the store was lost did not reach the fleet",
      );
      // Traces of requests served after the loss reach the ingester again.
      await within(async () => {
        const info = await jsm.consumers.info(TRACE_STREAM, TRACE_CONSUMER);
        return info.delivered.stream_seq > 0;
      }, "traces after the loss never reached the ingester");
    } finally {
      await admin.close();
    }
    for (const plane of fleet.dataPlanes) {
      const state = await readyz(plane.url);
      expect(state.status).toBe(200);
      expect(state.body.bus).toBe("connected");
    }
    const after = await readyz(fleet.controlUrl);
    expect(after.body.bus).toBe("up");
    expect(after.body.snapshot_version as number).toBeGreaterThan(versionBefore);
  }, 120_000);
});
