// The NATS bus when its server goes away, comes back, or comes back having lost its JetStream
// store: on a private nats-server the test kills and wipes (never the shared one).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type Bus, BusUnavailableError } from "#shared/bus/bus.ts";
import { connectNatsBus, type NatsBusOptions } from "#shared/bus/nats.ts";
import type { StateKey } from "#shared/bus/state-store.ts";
import { CONFIG_BUCKET, TRACE_STREAM } from "#shared/bus/subjects.ts";
import { snapshotWithVersion, traceRecord } from "../support/bus-contract.ts";
import { type TestNatsServer, testNatsServer } from "../support/processes.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const BOUND = { timeoutMs: 20_000, intervalMs: 50 };

describe.skipIf(servicesAbsent)("NATS bus recovery", () => {
  let server: TestNatsServer;
  const buses: Bus[] = [];
  const logs = new Map<string, string[]>();

  async function openBus(name: string, state?: NatsBusOptions["state"]): Promise<Bus> {
    const lines: string[] = [];
    logs.set(name, lines);
    const bus = await connectNatsBus({
      servers: server.url,
      name,
      traceAckWaitMs: 1500,
      log: (line) => lines.push(line),
      ...(state ? { state } : {}),
    });
    buses.push(bus);
    return bus;
  }
  const linesOf = (name: string, part: string) =>
    (logs.get(name) ?? []).filter((line) => line.includes(part));

  beforeAll(async () => {
    server = testNatsServer();
    await server.start();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    logs.clear();
  });
  afterAll(async () => {
    await server.stop();
  });

  test("after a wiped store the bucket comes back and a watch opened before it sees later snapshots", async () => {
    const writer = await openBus("control");
    const reader = await openBus("data");
    const seen: number[] = [];
    await reader.config.watch((snapshot) => seen.push((snapshot as { version: number }).version));
    await writer.config.put(snapshotWithVersion(5));
    await waitUntil(() => seen.includes(5), BOUND);

    const recovered: string[] = [];
    writer.onRecovered(() => recovered.push("control"));
    reader.onRecovered(() => recovered.push("data"));
    await server.wipe();
    await waitUntil(() => recovered.length === 2, {
      ...BOUND,
      message: "a bus did not recover after the wipe",
    });
    expect(writer.isConnected() && reader.isConnected()).toBe(true);

    // The recreated bucket is empty; its revisions start again from 1, below the old cursor.
    expect(await writer.config.latest()).toBeNull();
    await writer.config.put(snapshotWithVersion(6));
    await waitUntil(() => seen.includes(6), { ...BOUND, message: `watch saw ${seen}` });
    expect((await reader.config.latest())?.version).toBe(6);
  }, 60_000);

  test("a bucket deleted under a running bus is recreated by the next write", async () => {
    const writer = await openBus("control");
    const base = (await writer.config.latest())?.version ?? 0;
    await writer.config.put(snapshotWithVersion(base + 1));
    const admin = await connect({ servers: server.url });
    try {
      await (await jetstreamManager(admin)).streams.delete(`KV_${CONFIG_BUCKET}`);
    } finally {
      await admin.close();
    }
    await writer.config.put(snapshotWithVersion(base + 2));
    expect((await writer.config.latest())?.version).toBe(base + 2);
  }, 30_000);

  test("traces published after a wiped store reach a consumer started before it", async () => {
    const producer = await openBus("data");
    const consumer = await openBus("control");
    const received: string[] = [];
    await consumer.consumeTraces(
      async (batch) => {
        received.push(...batch.records.map((record) => record.request_id));
        await batch.ack();
      },
      { maxBatch: 10, maxWaitMs: 200 },
    );
    await producer.publishTraces([traceRecord(1)]);
    await waitUntil(() => received.length === 1, BOUND);

    await server.wipe();
    await waitUntil(() => producer.isConnected() && consumer.isConnected(), BOUND);
    const admin = await connect({ servers: server.url });
    try {
      expect((await (await jetstreamManager(admin)).streams.info(TRACE_STREAM)).config.name).toBe(
        TRACE_STREAM,
      );
    } finally {
      await admin.close();
    }
    await producer.publishTraces([traceRecord(2)]);
    await waitUntil(() => received.length === 2, { ...BOUND, message: `received ${received}` });
    expect(received).toEqual([traceRecord(1).request_id, traceRecord(2).request_id]);
  }, 60_000);

  test("losing and regaining the server is logged once each; a control event is refused while it is gone", async () => {
    const bus = await openBus("data");
    await server.stop();
    await waitUntil(() => !bus.isConnected(), BOUND);
    await expect(
      bus.publishControl({ type: "api_key.revoked", key_id: "key_1", key_hash: "abc" }),
    ).rejects.toBeInstanceOf(BusUnavailableError);
    await server.start();
    await waitUntil(() => bus.isConnected(), BOUND);
    await bus.publishControl({ type: "api_key.revoked", key_id: "key_1", key_hash: "abc" });
    expect(linesOf("data", "lost the bus")).toHaveLength(1);
    expect(linesOf("data", "regained the bus")).toHaveLength(1);
    // Closing on purpose is not losing the bus.
    await bus.close();
    expect(linesOf("data", "lost the bus")).toHaveLength(1);
  }, 60_000);

  test("state calls are refused while the server is gone, and work again after it returns wiped", async () => {
    const key: StateKey = { orgId: "org_a", namespace: "responses", id: "resp_1" };
    const writer = await openBus("data-1");
    const reader = await openBus("data-2");
    await writer.state.put(key, { status: "completed" });
    await server.stop();
    await waitUntil(() => !writer.isConnected(), BOUND);
    await expect(writer.state.put(key, { status: "other" })).rejects.toBeInstanceOf(
      BusUnavailableError,
    );
    await expect(writer.state.get(key)).rejects.toBeInstanceOf(BusUnavailableError);
    await expect(writer.state.delete(key)).rejects.toBeInstanceOf(BusUnavailableError);

    // Back with an empty store: the bucket in use is recreated before the bus says it is usable.
    await server.wipe();
    await waitUntil(() => writer.isConnected() && reader.isConnected(), BOUND);
    expect(await reader.state.get(key)).toBeNull();
    await writer.state.put(key, { status: "completed again" });
    expect(await reader.state.get(key)).toEqual({ status: "completed again" });
  }, 60_000);

  test("a server that stops answering with the connection open: state calls are refused in time", async () => {
    const key: StateKey = { orgId: "org_a", namespace: "responses", id: "resp_frozen" };
    const bus = await openBus("data", { timeoutMs: 500 });
    await bus.state.put(key, { n: 1 });
    await server.freeze();
    try {
      // Still connected as far as the client knows; only the call's own timeout can end it.
      expect(bus.isConnected()).toBe(true);
      await expect(bus.state.put(key, { n: 2 })).rejects.toBeInstanceOf(BusUnavailableError);
      await expect(bus.state.get(key)).rejects.toBeInstanceOf(BusUnavailableError);
    } finally {
      server.thaw();
    }
    await waitUntil(
      async () => (await bus.state.get<{ n: number }>(key).catch(() => null)) !== null,
      BOUND,
    );
  }, 60_000);
});
