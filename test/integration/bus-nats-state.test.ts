// The NATS bus's state store against the real server, beyond the shared contract: what one data
// plane puts another reads as soon as the put resolves, large values live in the object store and
// leave nothing behind, and the bucket's max_age (the retention setting) is what expires values.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";
import type { Bus } from "#shared/bus/bus.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import type { StateKey, StateRetention } from "#shared/bus/state-store.ts";
import { stateBucket, stateObjectBucket } from "#shared/bus/subjects.ts";
import { natsUrl, servicesAbsent } from "../support/services.ts";
import { deleteStateBuckets, uniqueStatePrefix } from "../support/state-buckets.ts";
import { freshOrgId } from "../support/state-store-contract.ts";
import { waitUntil } from "../support/wait.ts";

const PREFIX = uniqueStatePrefix("nats");

describe.skipIf(servicesAbsent)("NATS state store", () => {
  const buses: Bus[] = [];
  let admin: NatsConnection;

  async function dataPlane(name: string, retention?: Partial<StateRetention>): Promise<Bus> {
    const bus = await connectNatsBus({
      servers: natsUrl,
      name,
      state: { bucketPrefix: PREFIX, ...(retention ? { retention } : {}) },
    });
    buses.push(bus);
    return bus;
  }
  const streamInfo = async (stream: string) => (await jetstreamManager(admin)).streams.info(stream);

  beforeAll(async () => {
    admin = await connect({ servers: natsUrl });
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    await admin.close();
    await deleteStateBuckets(PREFIX);
  });

  test("what one data plane puts, another reads as soon as the put resolves", async () => {
    const [first, second] = await Promise.all([dataPlane("data-1"), dataPlane("data-2")]);
    const orgId = freshOrgId();
    for (let index = 0; index < 20; index++) {
      const key: StateKey = { orgId, namespace: "responses", id: `resp_${index}` };
      const writer = index % 2 === 0 ? first : second;
      const reader = index % 2 === 0 ? second : first;
      await writer?.state.put(key, { index });
      expect(await reader?.state.get(key)).toEqual({ index });
    }
    const key: StateKey = { orgId, namespace: "responses", id: "resp_0" };
    expect(await second?.state.delete(key)).toBe(true);
    expect(await first?.state.get(key)).toBeNull();
  });

  test("a value larger than max_payload goes to the object store and leaves no object behind", async () => {
    const [first, second] = await Promise.all([dataPlane("data-1"), dataPlane("data-2")]);
    const key: StateKey = { orgId: freshOrgId(), namespace: "responses", id: "resp_image" };
    const image = `data:image/png;base64,${"A".repeat(first?.maxTraceBytes() ?? 0)}`;
    const objects = await new Objm(admin).open(stateObjectBucket(PREFIX, "responses"), false);
    const liveObjects = async () => (await objects.list()).filter((info) => !info.deleted);

    await first?.state.put(key, { input: [{ type: "input_image", image_url: image }] });
    expect(await second?.state.get(key)).toEqual({
      input: [{ type: "input_image", image_url: image }],
    });
    const afterFirst = (await liveObjects()).length;
    await first?.state.put(key, { input: [{ type: "input_image", image_url: `${image}B` }] });
    // The replaced value's object is dropped: still one object for this key.
    expect((await liveObjects()).length).toBe(afterFirst);
    await second?.state.put(key, { input: [] });
    expect(await first?.state.get(key)).toEqual({ input: [] });
    expect((await liveObjects()).length).toBe(afterFirst - 1);
  }, 30_000);

  test("the bucket's max_age is the retention: NATS itself removes a value when it passes", async () => {
    const retention = { "response-inputs": 1000 };
    const bus = await dataPlane("data-1", retention);
    const orgId = freshOrgId();
    const small: StateKey = { orgId, namespace: "response-inputs", id: "resp_1" };
    const large: StateKey = { orgId, namespace: "response-inputs", id: "resp_2" };
    await bus.state.put(small, [{ role: "user", content: "hi" }]);
    await bus.state.put(large, [{ role: "user", content: "x".repeat(bus.maxTraceBytes()) }]);
    const kv = `KV_${stateBucket(PREFIX, "response-inputs")}`;
    const objects = `OBJ_${stateObjectBucket(PREFIX, "response-inputs")}`;
    expect((await streamInfo(kv)).config.max_age).toBe(nanos(1000));
    expect((await streamInfo(objects)).config.max_age).toBe(nanos(1000));
    // Polled, not timed: the server expires on its own schedule.
    await waitUntil(
      async () =>
        (await streamInfo(kv)).state.messages === 0 &&
        (await streamInfo(objects)).state.messages === 0,
      { timeoutMs: 15_000, intervalMs: 100, message: "the server did not expire the values" },
    );
    expect(await bus.state.get(small)).toBeNull();
    expect(await bus.state.get(large)).toBeNull();
  }, 30_000);

  test("a changed retention setting is applied to the existing buckets by the next node", async () => {
    const key: StateKey = { orgId: freshOrgId(), namespace: "batches", id: "batch_1" };
    const large: StateKey = { ...key, id: "batch_2" };
    const before = await dataPlane("data-1", { batches: 3_600_000 });
    await before.state.put(key, { provider_id: "prv_1" });
    await before.state.put(large, { lines: "x".repeat(before.maxTraceBytes()) });
    const kv = `KV_${stateBucket(PREFIX, "batches")}`;
    const objects = `OBJ_${stateObjectBucket(PREFIX, "batches")}`;
    expect((await streamInfo(kv)).config.max_age).toBe(nanos(3_600_000));
    expect((await streamInfo(objects)).config.max_age).toBe(nanos(3_600_000));
    const after = await dataPlane("data-2", { batches: 7_200_000 });
    expect(await after.state.get(key)).toEqual({ provider_id: "prv_1" });
    expect((await after.state.get<{ lines: string }>(large))?.lines.length).toBe(
      before.maxTraceBytes(),
    );
    expect((await streamInfo(kv)).config.max_age).toBe(nanos(7_200_000));
    expect((await streamInfo(objects)).config.max_age).toBe(nanos(7_200_000));
  });
});
