// Circuit state in provider health (docs/provider-health.md): data planes' breakers, kept per
// node by HealthTracker, published by CircuitPublisher over the bus (in-process and real NATS),
// heard by the control plane's FleetCircuits, and shown per provider and model by
// GET /manage/v1/provider-health: open on any node wins, with node counts; a node that stops
// reporting is forgotten after three heartbeats; another org's circuits are not shown. The same
// circuits, per provider, in GET /manage/v1/providers/{id}/health's `dataplane`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { FleetCircuits } from "../../controlplane/modules/provider-health/fleet-circuits.ts";
import { healthKey } from "../../dataplane/routing/health.ts";
import { circuitNode } from "../support/circuit-nodes.ts";
import { type ManagementHarness, startManagementHarness } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { requestLogRow, writeRequestLogs } from "../support/request-logs.ts";
import { natsUrl, servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const START = Date.UTC(2026, 2, 3, 10);
const at = (minute: number) => new Date(START + minute * 60_000).toISOString();
const HEARTBEAT_MS = 1000;

/** A node of the fleet: its breakers and their publisher (test/support/circuit-nodes.ts). */
const dataPlaneNode = (nodeId: string, bus: Bus, providers: Array<[string, string, string]>) =>
  circuitNode(nodeId, bus, providers, HEARTBEAT_MS);

describe.skipIf(servicesAbsent)("provider health: circuit state across the fleet", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let root: string;
  let fleetClock = 0;
  const fleet = new FleetCircuits(() => fleetClock);
  /** The org's provider the data planes' circuits name (its id; its name as the logs name it). */
  let providerId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-provider-circuits-"));
    harness = await startManagementHarness(database.handle, {
      tracesRoot: root,
      fleetCircuits: fleet,
    });
    const added = await harness.rest("POST", "/providers", {
      body: { vendor: "openai", name: "openai", api_key: "sk-circuits-test-0000", verify: false },
    });
    expect(added.status).toBe(201);
    providerId = added.body.data.id;
    const row = (minute: number, model: string, status: number) =>
      requestLogRow({
        created_at: at(minute),
        org_id: harness.org.orgId,
        project_id: harness.org.projectId,
        provider: "openai",
        model,
        status,
        latency_ms: 300,
      });
    await writeRequestLogs(root, [
      ...Array.from({ length: 6 }, (_, i) => row(i, "gpt-4.1", i < 1 ? 503 : 200)),
      ...Array.from({ length: 4 }, (_, i) => row(i, "gpt-4o-mini", 200)),
    ]);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const health = async () => {
    const response = await harness.rest(
      "GET",
      `/provider-health?${new URLSearchParams({ start: at(0), end: at(60) })}`,
    );
    expect(response.status).toBe(200);
    return Object.fromEntries(
      response.body.data.data.map((item: { model: string }) => [item.model, item]),
    );
  };

  /** GET /providers/{id}/health's fleet part. */
  const dataplane = async () => {
    const response = await harness.rest("GET", `/providers/${providerId}/health`);
    expect(response.status).toBe(200);
    return response.body.data.dataplane;
  };

  test("without any data plane reporting, circuit_state is null", async () => {
    const rows = await health();
    expect(rows["gpt-4.1"]).toMatchObject({ circuit_state: null, circuit_nodes: null });
    expect(await dataplane()).toBeNull();
  });

  for (const kind of ["in-process", "nats"] as const) {
    test(`over the ${kind} bus: open on one of two nodes is open, with node counts`, async () => {
      const bus =
        kind === "nats"
          ? await connectNatsBus({ servers: natsUrl, name: "provider-health-circuits" })
          : createInProcessBus();
      // Only this test's nodes: other sessions may share the NATS server.
      const prefix = `circuits-${kind}-${crypto.randomUUID().slice(0, 8)}`;
      const subscription = await bus.subscribeCircuitStates((states) => {
        if (states.node_id.startsWith(prefix)) fleet.apply(states);
      });
      const providers: Array<[string, string, string]> = [
        [providerId, harness.org.orgId, "openai"],
        // Another org's provider of the same name, with its own open circuit.
        ["prv_openai_b", harness.other.orgId, "openai"],
      ];
      const nodeA = dataPlaneNode(`${prefix}-a`, bus, providers);
      const nodeB = dataPlaneNode(`${prefix}-b`, bus, providers);
      try {
        nodeA.fail(providerId, "gpt-4.1");
        nodeA.fail("prv_openai_b", "gpt-4o-mini");
        nodeB.succeed(providerId, "gpt-4.1");
        // The change is sent soon after it happens; node B says so at its heartbeat.
        await waitUntil(
          () => fleet.reportingNodes() === 2 && fleet.forOrg(harness.org.orgId)?.pairs.size === 1,
          {
            timeoutMs: 10_000,
            message: "both nodes' circuit states did not arrive",
          },
        );
        let rows = await health();
        expect(rows["gpt-4.1"]).toMatchObject({
          status: "degraded",
          circuit_state: "open",
          circuit_nodes: { open: 1, half_open: 0, reporting: 2 },
        });
        // The other org's open circuit on the same provider name and model is not this org's.
        expect(rows["gpt-4o-mini"]).toMatchObject({
          circuit_state: "closed",
          circuit_nodes: { open: 0, half_open: 0, reporting: 2 },
        });
        // Per provider: its circuits that are not closed somewhere, the other org's left out.
        expect(await dataplane()).toEqual({
          reporting_nodes: 2,
          circuits: [
            { model: "gpt-4.1", state: "open", nodes: { open: 1, half_open: 0, reporting: 2 } },
          ],
        });

        // After its cool-down the breaker lets a probe through: half-open, reported as such.
        nodeA.advance(10_000);
        nodeA.health.state(healthKey(providerId, "gpt-4.1"));
        await waitUntil(
          () =>
            FleetCircuits.of(fleet.forOrg(harness.org.orgId), "openai", "gpt-4.1")?.state ===
            "half_open",
          { timeoutMs: 10_000, message: "the half-open circuit was not reported" },
        );
        rows = await health();
        expect(rows["gpt-4.1"].circuit_nodes).toEqual({ open: 0, half_open: 1, reporting: 2 });
        expect((await dataplane()).circuits).toEqual([
          { model: "gpt-4.1", state: "half_open", nodes: { open: 0, half_open: 1, reporting: 2 } },
        ]);

        // Node A stops: three heartbeats later the fleet forgets it; node B still reports.
        nodeA.publisher.stop();
        await Bun.sleep(2 * HEARTBEAT_MS);
        fleetClock += 3 * HEARTBEAT_MS + 1;
        await waitUntil(() => fleet.reportingNodes() === 1, { timeoutMs: 10_000 });
        rows = await health();
        expect(rows["gpt-4.1"]).toMatchObject({
          circuit_state: "closed",
          circuit_nodes: { open: 0, half_open: 0, reporting: 1 },
        });
        expect(await dataplane()).toEqual({ reporting_nodes: 1, circuits: [] });
        nodeB.publisher.stop();
        await Bun.sleep(2 * HEARTBEAT_MS);
        fleetClock += 3 * HEARTBEAT_MS + 1;
        expect(fleet.reportingNodes()).toBe(0);
        expect((await health())["gpt-4.1"]).toMatchObject({ circuit_state: null });
        expect(await dataplane()).toBeNull();
      } finally {
        nodeA.publisher.stop();
        nodeB.publisher.stop();
        await subscription.unsubscribe();
        await bus.close();
      }
    }, 30_000);
  }
});
