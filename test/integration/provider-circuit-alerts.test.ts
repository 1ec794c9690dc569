// provider.health_changed from the fleet's circuit breakers (docs/provider-health.md): data
// planes' breakers published over the bus (in-process and real NATS) and heard by two control
// planes (each its FleetCircuits and its watch, on one Postgres database); a provider whose
// circuit opens is sent as failing, once for the fleet, with the circuits in the payload, and as
// healthy once every reporting node has it closed; the receiver gets the signed POSTs. A
// restarted control plane sends nothing again; no conclusion without reports, no "healthy"
// while a node's list is truncated or before every node has had a heartbeat to report, nothing
// for a deleted provider or another org's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import {
  type CircuitAlertWatch,
  startCircuitAlertWatch,
} from "../../controlplane/circuit-alerts/watch.ts";
import { FleetCircuits } from "../../controlplane/modules/provider-health/fleet-circuits.ts";
import { circuitNode } from "../support/circuit-nodes.ts";
import { type ManagementHarness, startManagementHarness } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { natsUrl, servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const HEARTBEAT_MS = 1000;

/** A node of the fleet: its breakers and their publisher (test/support/circuit-nodes.ts). */
const dataPlaneNode = (nodeId: string, bus: Bus, providers: Array<[string, string, string]>) =>
  circuitNode(nodeId, bus, providers, HEARTBEAT_MS);

interface Delivery {
  type: string;
  org_id: string;
  data: {
    provider: { id: string; name: string };
    source: string;
    previous: string;
    current: string;
    dataplane: { reporting_nodes: number; circuits: Array<{ model: string; state: string }> };
  };
}

describe.skipIf(servicesAbsent)("provider.health_changed from circuit breakers", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let receiver: ReturnType<typeof Bun.serve>;
  let secret: string;
  const received: Delivery[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        const body = await request.text();
        // Signed as every delivery is (standard webhooks).
        new Webhook(secret).verify(body, Object.fromEntries(request.headers));
        received.push(JSON.parse(body));
        return new Response("ok");
      },
    });
    harness = await startManagementHarness(database.handle, {
      env: { MODELUX_EGRESS_ALLOW: "127.0.0.1/32" },
    });
    const hook = await harness.rest("POST", "/webhooks", {
      body: {
        url: `http://127.0.0.1:${receiver.port}/hook`,
        event_types: ["provider.health_changed"],
      },
    });
    expect(hook.status).toBe(201);
    secret = hook.body.data.signing_secret;
  });
  afterAll(async () => {
    await harness?.stop();
    await receiver?.stop(true);
    await database?.drop();
  });

  const addProvider = async (name: string, key = harness.org.keys.owner) => {
    const added = await harness.rest("POST", "/providers", {
      key,
      body: { vendor: "openai", name, api_key: `sk-${name}-000000000000`, verify: false },
    });
    expect(added.status).toBe(201);
    return added.body.data.id as string;
  };

  /** Two control planes on one database, each hearing the bus; only this test's nodes. */
  async function controlPlanes(bus: Bus, prefix: string, clock: () => number) {
    const planes = [0, 1].map(() => {
      const fleet = new FleetCircuits(clock);
      const watch = startCircuitAlertWatch({
        db: database.handle.db,
        fleetCircuits: fleet,
        log: (message) => harness.logs.push(message),
        // Passes run when the test says, not on a timer.
        intervalMs: 3_600_000,
      });
      return { fleet, watch };
    });
    const subscription = await bus.subscribeCircuitStates((states) => {
      if (!states.node_id.startsWith(prefix)) return;
      for (const plane of planes) plane.fleet.apply(states);
    });
    return { planes, subscription };
  }

  const deliveriesFor = (providerId: string) =>
    received.filter(
      (delivery) =>
        delivery.type === "provider.health_changed" && delivery.data.provider.id === providerId,
    );

  for (const kind of ["in-process", "nats"] as const) {
    test(`over the ${kind} bus: failing once, healthy once, for the fleet`, async () => {
      const bus =
        kind === "nats"
          ? await connectNatsBus({ servers: natsUrl, name: "provider-circuit-alerts" })
          : createInProcessBus();
      const prefix = `alerts-${kind}-${crypto.randomUUID().slice(0, 8)}`;
      const providerId = await addProvider(`openai-${kind}`);
      const otherOrgProvider = await addProvider(`openai-${kind}`, harness.other.keys.owner);
      // The control planes' clock: nodes are forgotten, and "healthy" waits, by it.
      let fleetClock = 1_000_000;
      const { planes, subscription } = await controlPlanes(bus, prefix, () => fleetClock);
      const providers: Array<[string, string, string]> = [
        [providerId, harness.org.orgId, `openai-${kind}`],
        [otherOrgProvider, harness.other.orgId, `openai-${kind}`],
      ];
      const nodeA = dataPlaneNode(`${prefix}-a`, bus, providers);
      const nodeB = dataPlaneNode(`${prefix}-b`, bus, providers);
      const bothPasses = () => Promise.all(planes.map((plane) => plane.watch.runOnce()));
      let restarted: CircuitAlertWatch | null = null;
      try {
        // Nothing reported yet: nothing is concluded.
        expect(await bothPasses()).toEqual([[], []]);

        nodeA.fail(providerId, "gpt-4.1");
        nodeA.fail(otherOrgProvider, "gpt-4.1");
        await waitUntil(
          () =>
            planes.every(
              (plane) =>
                plane.fleet.reportingNodes() === 2 &&
                plane.fleet.ofProvider(harness.org.orgId, providerId)?.circuits.length === 1,
            ),
          { timeoutMs: 10_000, message: "the open circuit did not reach both control planes" },
        );
        // Both control planes look at once; one of them sends it (the other finds the row moved,
        // or, reading the table after the first committed, knows it as failing already).
        const [first, second] = await bothPasses();
        const mine = [...(first ?? []), ...(second ?? [])].filter(
          (change) => change.provider_id === providerId,
        );
        expect(mine.every((change) => change.current === "failing")).toBe(true);
        expect(mine.filter((change) => change.sent)).toHaveLength(1);
        await waitUntil(() => deliveriesFor(providerId).length === 1, {
          timeoutMs: 10_000,
          message: "the failing event was not delivered",
        });
        const [failing] = deliveriesFor(providerId);
        expect(failing).toMatchObject({
          org_id: harness.org.orgId,
          data: {
            provider: { id: providerId, name: `openai-${kind}` },
            source: "circuit_breakers",
            previous: "healthy",
            current: "failing",
            dataplane: {
              reporting_nodes: 2,
              circuits: [{ model: "gpt-4.1", state: "open" }],
            },
          },
        });
        // The other org's provider changed too, but this org's endpoint hears nothing of it.
        expect(deliveriesFor(otherOrgProvider)).toHaveLength(0);

        // Another model of the same provider opening: the provider was failing already.
        nodeB.fail(providerId, "gpt-4o-mini");
        await waitUntil(
          () =>
            planes.every(
              (plane) =>
                plane.fleet.ofProvider(harness.org.orgId, providerId)?.circuits.length === 2,
            ),
          { timeoutMs: 10_000, message: "the second open circuit did not arrive" },
        );
        expect((await bothPasses()).flat()).toEqual([]);

        // A control plane started now reads what was sent from the table: nothing again.
        const fleet = planes[0]?.fleet as FleetCircuits;
        restarted = startCircuitAlertWatch({
          db: database.handle.db,
          fleetCircuits: fleet,
          log: (message) => harness.logs.push(message),
          intervalMs: 3_600_000,
        });
        expect(await restarted.runOnce()).toEqual([]);

        // Closed on every node again: healthy, once.
        nodeA.recover(providerId, "gpt-4.1");
        nodeB.recover(providerId, "gpt-4o-mini");
        await waitUntil(
          () =>
            planes.every(
              (plane) =>
                plane.fleet.ofProvider(harness.org.orgId, providerId)?.circuits.length === 0,
            ),
          { timeoutMs: 10_000, message: "the closed circuits did not arrive" },
        );
        // Not before every node has had a heartbeat to report since the control planes began
        // hearing them: the first heard could say closed while another still has it open.
        const passesOfMine = async () =>
          (await bothPasses()).flat().filter((change) => change.provider_id === providerId);
        expect(await passesOfMine()).toEqual([]);
        fleetClock += HEARTBEAT_MS;
        const recovered = await passesOfMine();
        expect(recovered.map((change) => [change.current, change.sent]).sort()).toEqual([
          ["healthy", false],
          ["healthy", true],
        ]);
        await waitUntil(() => deliveriesFor(providerId).length === 2, {
          timeoutMs: 10_000,
          message: "the healthy event was not delivered",
        });
        expect(deliveriesFor(providerId)[1]?.data).toMatchObject({
          source: "circuit_breakers",
          previous: "failing",
          current: "healthy",
          dataplane: { reporting_nodes: 2, circuits: [] },
        });
        // The restarted one sees the recovery too, finds it recorded, and sends nothing.
        expect(
          (await restarted.runOnce())
            .filter((change) => change.provider_id === providerId)
            .map((change) => [change.provider_id, change.sent]),
        ).toEqual([[providerId, false]]);
        await Bun.sleep(100);
        expect(deliveriesFor(providerId)).toHaveLength(2);
      } finally {
        nodeA.publisher.stop();
        nodeB.publisher.stop();
        await restarted?.stop();
        for (const plane of planes) await plane.watch.stop();
        await subscription.unsubscribe();
        await bus.close();
      }
    }, 30_000);
  }

  test("no healthy while a node's list is truncated; a deleted provider sends nothing", async () => {
    const providerId = await addProvider("openai-truncated");
    let clock = 0;
    const fleet = new FleetCircuits(() => clock);
    const watch = startCircuitAlertWatch({
      db: database.handle.db,
      fleetCircuits: fleet,
      log: (message) => harness.logs.push(message),
      intervalMs: 3_600_000,
    });
    const circuit = (provider_id: string) => ({
      org_id: harness.org.orgId,
      provider_id,
      provider: "openai-truncated",
      model: "gpt-4.1",
      state: "open" as const,
      opened_at: 0,
      cooldown_ms: 30_000,
    });
    let seq = 0;
    const report = (circuits: ReturnType<typeof circuit>[], truncated?: boolean) =>
      fleet.apply({
        node_id: "node-truncated",
        instance: "one",
        seq: ++seq,
        heartbeat_ms: HEARTBEAT_MS,
        circuits,
        ...(truncated === undefined ? {} : { truncated }),
      });
    try {
      report([circuit(providerId), circuit("prv_deleted_long_ago")]);
      // Other tests' providers (the other org's, still failing) are this fleet's news too: only
      // this provider's changes are looked at.
      const changes = async () =>
        (await watch.runOnce())
          .filter((change) => change.provider_id === providerId || change.current === "failing")
          .map((change) => [change.provider_id, change.current]);
      // The unknown provider is skipped, not an error.
      expect(await changes()).toEqual([[providerId, "failing"]]);
      // The node lists only its first circuits now, this provider's not among them.
      report([], true);
      expect(await changes()).toEqual([]);
      // Silent nodes are forgotten: with nobody reporting, nothing is concluded either.
      clock += 10 * HEARTBEAT_MS;
      expect(await changes()).toEqual([]);
      // Heard again: closed on the one node heard, but not healthy before a heartbeat has passed
      // (another node, not heard yet, may still have it open); then healthy.
      report([]);
      expect(await changes()).toEqual([]);
      clock += HEARTBEAT_MS;
      report([]);
      expect(await changes()).toEqual([[providerId, "healthy"]]);
      // Deleted while failing: its row goes with it, and nothing more is sent of it.
      report([circuit(providerId)]);
      expect(await changes()).toEqual([[providerId, "failing"]]);
      expect((await harness.rest("DELETE", `/providers/${providerId}`)).status).toBe(200);
      report([]);
      expect(await changes()).toEqual([]);
      expect(harness.logs.filter((line) => line.includes("health"))).toEqual([]);
    } finally {
      await watch.stop();
    }
  });
});
