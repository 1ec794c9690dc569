// The control plane's composition root (controlplane/node.ts) as a fleet runs it: the HTTP app
// serves, not ready, until the bus arrives; the bus-bound parts start when it does; a part that
// cannot start is named; stop() ends everything the node started, whether the bus came or not.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bus, Subscription } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { controlPlaneSchema, readSettings } from "#shared/env/settings.ts";
import { type RunningControlPlane, startControlPlane } from "../../controlplane/node.ts";
import { testSecretBox } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

/** An in-process bus that counts the subscriptions made on it and not yet ended. */
function trackedBus(overrides: Partial<Bus> = {}): { bus: Bus; live: () => number } {
  const inner = createInProcessBus();
  let live = 0;
  const tracked = async (subscribe: () => Promise<Subscription>): Promise<Subscription> => {
    const subscription = await subscribe();
    live++;
    return {
      async unsubscribe() {
        live--;
        await subscription.unsubscribe();
      },
    };
  };
  const bus: Bus = {
    ...inner,
    config: inner.config,
    subscribeSpendDeltas: (onDelta) => tracked(() => inner.subscribeSpendDeltas(onDelta)),
    subscribeBudgetState: (onState) => tracked(() => inner.subscribeBudgetState(onState)),
    subscribeControl: (onEvent) => tracked(() => inner.subscribeControl(onEvent)),
    consumeTraces: (onBatch, options) => tracked(() => inner.consumeTraces(onBatch, options)),
    ...overrides,
  };
  return { bus, live: () => live };
}

async function readyz(node: RunningControlPlane) {
  const response = await fetch(`${node.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const refused = (url: string) =>
  fetch(`${url}/healthz`).then(
    () => false,
    () => true,
  );

describe.skipIf(servicesAbsent)("control plane node", () => {
  let database: TestDatabase;
  let root: string;
  const settings = () =>
    readSettings(controlPlaneSchema, {
      DATABASE_URL: "postgres://unused",
      NATS_URL: "nats://unused",
      MODELUX_SECRET_KEY: "7".repeat(64),
      MODELUX_TRACES_ROOT: root,
    });
  const start = (bus: Promise<Bus>) =>
    startControlPlane({
      hostname: "127.0.0.1",
      port: 0,
      database: database.handle,
      bus,
      secretBox: testSecretBox,
      settings: settings(),
      log: () => {},
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    root = mkdtempSync(join(tmpdir(), "modelux-controlplane-node-"));
  });
  afterAll(async () => {
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("serves, not ready, until the bus arrives; then publishes and is ready; stop() ends every subscription", async () => {
    const { bus, live } = trackedBus();
    let arrive: (bus: Bus) => void = () => {};
    const node = await start(new Promise<Bus>((resolve) => (arrive = resolve)));

    const before = await readyz(node);
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ status: "not_ready", bus: "down", snapshot_version: null });
    expect(before.body.reason).toContain("the bus is down");
    // The Management API is mounted behind the guard and answers in its own shape.
    const unauthenticated = await fetch(`${node.url}/manage/v1/projects`);
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({
      error: { type: "authentication", code: "authentication", status: 401 },
    });

    arrive(bus);
    const version = await node.ready();
    expect(version).toBeGreaterThanOrEqual(1);
    expect(await readyz(node)).toEqual({
      status: 200,
      body: { status: "ready", database: "up", bus: "up", snapshot_version: version },
    });
    // The warehouse consumes traces and accounting receives spend deltas.
    expect(live()).toBe(2);

    await node.stop({ graceMs: 5000 });
    expect(live()).toBe(0);
    expect(await refused(node.url)).toBe(true);
    await bus.close();
  }, 60_000);

  test("a bus that never arrives does not hold up stopping", async () => {
    const node = await start(new Promise<Bus>(() => {}));
    expect((await readyz(node)).status).toBe(503);
    await node.stop({ graceMs: 5000 });
    expect(await refused(node.url)).toBe(true);
  }, 60_000);

  test("a part that cannot start is named, and stop() still ends the parts that did", async () => {
    const { bus, live } = trackedBus({
      subscribeSpendDeltas: () => Promise.reject(new Error("spend stream missing")),
    });
    const node = await start(Promise.resolve(bus));
    await expect(node.ready()).rejects.toThrow(
      "budget accounting failed to start: spend stream missing",
    );
    // The warehouse, started before it, holds its trace consumer until the node stops.
    expect(live()).toBe(1);
    const body = (await readyz(node)).body;
    expect(body.reason).toContain("not connected to the bus yet");

    await node.stop({ graceMs: 5000 });
    expect(live()).toBe(0);
    await bus.close();
  }, 60_000);
});
