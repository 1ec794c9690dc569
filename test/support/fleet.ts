// A fleet as users run it, for integration tests: one control plane and N data planes as
// separate processes on loopback, a fresh Postgres database, a dedicated NATS server (so a test
// can stop and restart it), the simulator, a seeded tenant and an owner management key.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { managementKeys } from "../../controlplane/db/schema/index.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { type SeededTenant, seedTenant } from "./fleet-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";
import {
  type ChildProcess,
  freePort,
  spawnChild,
  type TestNatsServer,
  testNatsServer,
} from "./processes.ts";
import { waitUntil } from "./wait.ts";

export interface FleetDataPlane {
  name: string;
  url: string;
  child: ChildProcess;
  /** Stops the process and starts it again with the same settings (same node id). */
  restart(): Promise<void>;
}

export interface TestFleet {
  database: TestDatabase;
  nats: TestNatsServer;
  simulator: RunningSimulator;
  tenant: SeededTenant;
  secretBox: SecretBox;
  controlUrl: string;
  /** The current control plane process (a new one after restartControlPlane). */
  readonly controlPlane: ChildProcess;
  /** Stops the control plane (SIGTERM unless told otherwise) and starts it with the same settings. */
  restartControlPlane(signal?: NodeJS.Signals): Promise<void>;
  dataPlanes: FleetDataPlane[];
  /** A Management API call with the owner key; `data` is the body's `data`. */
  manage(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown>; data: Record<string, unknown> }>;
  /** The last lines each process wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startFleet(options: {
  name: string;
  dataPlanes: number;
  /** Extra environment for the control plane. */
  controlEnv?: Record<string, string>;
  /** Extra environment for every data plane. */
  dataEnv?: Record<string, string>;
}): Promise<TestFleet> {
  const secretHex = "ef".repeat(32);
  const secretBox = new SecretBox(Uint8Array.from(Buffer.from(secretHex, "hex")));
  const directory = mkdtempSync(join(tmpdir(), `modelux-${options.name}-`));
  const database = await createTestDatabase();
  const nats = testNatsServer();
  await nats.start();
  const simulator = startSimulator({ port: 0, hostname: "127.0.0.1" });
  const tenant = await seedTenant(database.handle, secretBox, `${simulator.url}/v1`);
  const managementKey = newSecretKey("management");
  await database.handle.db.insert(managementKeys).values({
    id: newId("managementKey"),
    org_id: tenant.orgId,
    name: options.name,
    role: "owner",
    key_hash: hashKey(managementKey),
    key_prefix: keyDisplayPrefix(managementKey),
  });

  const controlPort = freePort();
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  const startControlPlane = () =>
    spawnChild("controlplane", ["bun", "run", "controlplane/main.ts"], {
      DATABASE_URL: database.url,
      NATS_URL: nats.url,
      MODELUX_SECRET_KEY: secretHex,
      CONTROLPLANE_PORT: String(controlPort),
      MODELUX_HOST: "127.0.0.1",
      MODELUX_DATA_DIR: join(directory, "controlplane"),
      ...options.controlEnv,
    });
  let controlPlane = startControlPlane();
  const dataPlanes: FleetDataPlane[] = [];
  const output = () =>
    [controlPlane, ...dataPlanes.map((plane) => plane.child)]
      .map((child) => `--- ${child.name}\n${child.output().slice(-3000)}`)
      .join("\n");
  const ready = (url: string, what: string) =>
    waitUntil(async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok === true, {
      timeoutMs: 20_000,
      message: `${what} not ready`,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${output()}`);
    });
  await ready(controlUrl, "control plane");

  for (let index = 1; index <= options.dataPlanes; index++) {
    const port = freePort();
    const name = `dataplane-${index}`;
    const start = () =>
      spawnChild(name, ["bun", "run", "dataplane/main.ts"], {
        NATS_URL: nats.url,
        MODELUX_SECRET_KEY: secretHex,
        DATAPLANE_PORT: String(port),
        MODELUX_HOST: "127.0.0.1",
        MODELUX_NODE_ID: `${options.name}-dp-${index}`,
        MODELUX_DATA_DIR: join(directory, name),
        ...options.dataEnv,
      });
    const plane: FleetDataPlane = {
      name,
      url: `http://127.0.0.1:${port}`,
      child: start(),
      async restart() {
        await plane.child.stop();
        plane.child = start();
        await ready(plane.url, name);
      },
    };
    dataPlanes.push(plane);
  }
  for (const plane of dataPlanes) await ready(plane.url, plane.name);

  return {
    database,
    nats,
    simulator,
    tenant,
    secretBox,
    controlUrl,
    get controlPlane() {
      return controlPlane;
    },
    async restartControlPlane(signal) {
      await controlPlane.stop(signal);
      controlPlane = startControlPlane();
      await ready(controlUrl, "control plane");
    },
    dataPlanes,
    output,
    async manage(method, path, body) {
      const response = await fetch(`${controlUrl}/manage/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${managementKey}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      return { status: response.status, json, data: (json.data ?? {}) as Record<string, unknown> };
    },
    async stop() {
      await Promise.all(dataPlanes.map((plane) => plane.child.stop()));
      await controlPlane.stop();
      await nats.stop();
      await simulator.stop();
      await database.drop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
