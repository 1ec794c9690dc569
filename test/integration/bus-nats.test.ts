// The NATS bus against a real server: the shared contract, plus what only a network shows
// (several connections, foreign bytes on a subject, an unreachable server).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, StaleSnapshotVersionError } from "#shared/bus/bus.ts";
import type { SpendDelta, TraceRecord } from "#shared/bus/envelopes.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { CONFIG_BUCKET, TRACE_CONSUMER, TRACE_STREAM } from "#shared/bus/subjects.ts";
import { encodeTraceLine } from "#shared/bus/trace-lines.ts";
import { busContractSuite, snapshotWithVersion, traceRecord } from "../support/bus-contract.ts";
import { natsUrl, servicesAbsent } from "../support/services.ts";
import { deleteStateBuckets, uniqueStatePrefix } from "../support/state-buckets.ts";
import { waitUntil } from "../support/wait.ts";

/** Removes the config bucket and the trace stream (with its consumer) so each test starts empty. */
async function resetServerState(): Promise<void> {
  const admin = await connect({ servers: natsUrl, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(admin);
    for (const stream of [TRACE_STREAM, `KV_${CONFIG_BUCKET}`]) {
      await jsm.streams.delete(stream).catch((error: Error) => {
        if (!/not found/i.test(error.message)) throw error;
      });
    }
  } finally {
    await admin.close();
  }
}

// Longer than the one-second minimum pull the NATS client allows, so a partial batch is handed
// over before its ack wait runs out; short enough to test redelivery.
const TEST_ACK_WAIT_MS = 1500;

// State buckets of this file's own, removed when it ends (other sessions share the server).
const STATE_PREFIX = uniqueStatePrefix("contract");

async function freshBus(name: string): Promise<Bus> {
  return connectNatsBus({
    servers: natsUrl,
    name,
    traceAckWaitMs: TEST_ACK_WAIT_MS,
    state: { bucketPrefix: STATE_PREFIX },
  });
}

describe.skipIf(servicesAbsent)("NATS bus", () => {
  afterAll(() => deleteStateBuckets(STATE_PREFIX));

  busContractSuite("nats", async () => {
    await resetServerState();
    const bus = await freshBus("contract");
    return { bus, cleanup: () => bus.close() };
  });

  describe("across connections", () => {
    const buses: Bus[] = [];
    let raw: NatsConnection;

    beforeAll(async () => {
      raw = await connect({ servers: natsUrl });
    });
    afterAll(async () => {
      await raw.close();
    });
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });

    test("two control planes racing keep the highest snapshot version", async () => {
      await resetServerState();
      const [first, second, watcher] = await Promise.all(
        ["control-1", "control-2", "data-1"].map(freshBus),
      );
      buses.push(first as Bus, second as Bus, watcher as Bus);
      const seen: number[] = [];
      await watcher?.config.watch((snapshot) =>
        seen.push((snapshot as { version: number }).version),
      );
      const versions = Array.from({ length: 10 }, (_, index) => index + 1);
      const results = await Promise.allSettled(
        versions.map((version) =>
          (version % 2 === 0 ? first : second)?.config.put(snapshotWithVersion(version)),
        ),
      );
      for (const result of results) {
        if (result.status === "rejected")
          expect(result.reason).toBeInstanceOf(StaleSnapshotVersionError);
      }
      expect((await watcher?.config.latest())?.version).toBe(10);
      await waitUntil(() => seen.at(-1) === 10);
      // Whatever interleaving won, the watcher never saw the version go down.
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    });

    test("traces published by a data plane reach the control plane's consumer", async () => {
      await resetServerState();
      const [dataPlane, controlPlane] = await Promise.all(["data-1", "control-1"].map(freshBus));
      buses.push(dataPlane as Bus, controlPlane as Bus);
      const received: TraceRecord[] = [];
      await controlPlane?.consumeTraces(
        async (batch) => {
          received.push(...batch.records);
          await batch.ack();
        },
        { maxBatch: 50, maxWaitMs: 200 },
      );
      await dataPlane?.publishTraces([traceRecord(1, "prj_a"), traceRecord(2, "prj_b")]);
      await waitUntil(() => received.length === 2, { timeoutMs: 10_000 });
      expect(received.map((record) => record.project_id).sort()).toEqual(["prj_a", "prj_b"]);
    }, 20_000);

    test("a data plane's encoded rows travel many to a message: one publish and ack per chunk", async () => {
      await resetServerState();
      const [dataPlane, controlPlane] = await Promise.all(["data-1", "control-1"].map(freshBus));
      buses.push(dataPlane as Bus, controlPlane as Bus);
      const lines = Array.from({ length: 300 }, (_, index) =>
        encodeTraceLine({ ...traceRecord(index), trace: `{"request_id":"${index}"}` }),
      );
      // ~45 KB of rows, far under the server's max_payload: one message, not one per row.
      const bytes = new TextEncoder().encode(lines.map((line) => `${line}\n`).join(""));
      await dataPlane?.publishTraceLines(bytes);
      const jsm = await jetstreamManager(raw);
      const stored = (await jsm.streams.info(TRACE_STREAM)).state.messages;
      expect(stored).toBe(1);
      const received: TraceRecord[] = [];
      await controlPlane?.consumeTraces(
        async (batch) => {
          received.push(...batch.records);
          await batch.ack();
        },
        { maxBatch: 10, maxWaitMs: 200 },
      );
      await waitUntil(() => received.length === 300, { timeoutMs: 10_000 });
      await waitUntil(async () => (await jsm.streams.info(TRACE_STREAM)).state.messages === 0);
      expect(new Set(received.map((record) => record.request_id)).size).toBe(300);
    }, 20_000);

    test("foreign bytes on a subject are dropped and delivery goes on", async () => {
      await resetServerState();
      const bus = await freshBus("control-1");
      buses.push(bus);
      const received: SpendDelta[] = [];
      await bus.subscribeSpendDeltas((delta) => received.push(delta));
      const valid: SpendDelta = { node_id: "node-a", seq: 1, deltas: [] };
      raw.publish("modelux.spend.delta.node-a", "{not json");
      raw.publish("modelux.spend.delta.node-a", JSON.stringify({ node_id: "node-a", seq: "one" }));
      raw.publish(
        "modelux.spend.delta.node-a",
        JSON.stringify({ ...valid, from_a_newer_node: true }),
      );
      await waitUntil(() => received.length === 1);
      await bus.publishSpendDelta({ ...valid, seq: 2 });
      await waitUntil(() => received.length === 2);
      expect(received.map((delta) => delta.seq)).toEqual([1, 2]);
      expect(bus.isConnected()).toBe(true);
    });
  });

  describe("trace stream upkeep", () => {
    let raw: NatsConnection;
    let bus: Bus;

    beforeAll(async () => {
      raw = await connect({ servers: natsUrl });
    });
    afterAll(async () => {
      await raw.close();
    });
    afterEach(async () => {
      await bus.close();
    });

    async function startIngest(received: string[]) {
      await resetServerState();
      bus = await freshBus("control-1");
      await bus.consumeTraces(
        async (batch) => {
          received.push(...batch.records.map((record) => record.request_id));
          await batch.ack();
        },
        { maxBatch: 10, maxWaitMs: 200 },
      );
    }

    test("a foreign record is dropped for good and the stream drains", async () => {
      const received: string[] = [];
      await startIngest(received);
      const foreign = JSON.stringify({ request_id: "req_foreign", project_id: "prj_x" });
      await jetstream(raw).publish("modelux.trace.prj_x", foreign);
      await bus.publishTraces([traceRecord(1)]);
      await waitUntil(() => received.length === 1, { timeoutMs: 10_000 });
      const jsm = await jetstreamManager(raw);
      // Acked and terminated records leave the work-queue stream; nothing waits to come back.
      await waitUntil(async () => (await jsm.streams.info(TRACE_STREAM)).state.messages === 0);
      expect(received).toEqual(["req_00001"]);
    }, 20_000);

    test("ingest carries on after its consumer is deleted", async () => {
      const received: string[] = [];
      await startIngest(received);
      const jsm = await jetstreamManager(raw);
      await jsm.consumers.delete(TRACE_STREAM, TRACE_CONSUMER);
      await bus.publishTraces([traceRecord(1)]);
      await waitUntil(() => received.length === 1, { timeoutMs: 15_000 });
      expect(received).toEqual(["req_00001"]);
    }, 20_000);
  });

  test("an unreachable server fails fast with an error naming it", async () => {
    const startedAt = Date.now();
    const error = await connectNatsBus({ servers: "nats://127.0.0.1:1" }).catch((caught) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("nats://127.0.0.1:1");
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });
});
