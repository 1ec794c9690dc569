// The fleet, as users run it: one control plane and three data planes as separate processes on
// loopback, real Postgres and a real NATS server. A config created through the database layer is
// served by every data plane within a second; with NATS gone they keep serving, a restarted one
// included; with NATS back they follow changes again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";
import { startSimulator } from "../../simulator/server.ts";
import { type SeededTenant, seedTenant } from "../support/fleet-fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import {
  type ChildProcess,
  freePort,
  spawnChild,
  type TestNatsServer,
  testNatsServer,
} from "../support/processes.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const SECRET_HEX = "ab".repeat(32);
const secretBox = new SecretBox(Uint8Array.from(Buffer.from(SECRET_HEX, "hex")));

describe.skipIf(servicesAbsent)(
  "fleet: control plane + three data planes over Postgres and NATS",
  () => {
    let database: TestDatabase;
    let nats: TestNatsServer;
    let simulator: ReturnType<typeof startSimulator>;
    let tenant: SeededTenant;
    let controlPlane: ChildProcess;
    const dataPlanes: Array<{ child: ChildProcess; url: string; start: () => ChildProcess }> = [];
    const dataDirectory = mkdtempSync(join(tmpdir(), "modelux-fleet-"));

    const chat = (url: string, model: string) =>
      fetch(`${url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${tenant.proxyKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hello fleet" }] }),
      });

    const allServe = async (model: string) => {
      const responses = await Promise.all(dataPlanes.map((plane) => chat(plane.url, model)));
      return responses.every((response) => response.status === 200);
    };

    beforeAll(async () => {
      database = await createTestDatabase();
      nats = testNatsServer();
      await nats.start();
      simulator = startSimulator({ port: 0, hostname: "127.0.0.1" });
      tenant = await seedTenant(database.handle, secretBox, `${simulator.url}/v1`);

      const controlPort = freePort();
      controlPlane = spawnChild("controlplane", ["bun", "run", "controlplane/main.ts"], {
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        MODELUX_SECRET_KEY: SECRET_HEX,
        CONTROLPLANE_PORT: String(controlPort),
        MODELUX_HOST: "127.0.0.1",
        MODELUX_DATA_DIR: join(dataDirectory, "controlplane"),
        // The publisher's safety-net poll off: a change that arrives came by the push alone.
        MODELUX_SNAPSHOT_POLL_MS: "3600000",
      });
      await waitUntil(async () => (await fetch(`http://127.0.0.1:${controlPort}/readyz`)).ok, {
        timeoutMs: 15_000,
        message: "control plane not ready",
      }).catch((error) => {
        throw new Error(`${error.message}\n${controlPlane.output()}`);
      });

      for (let index = 1; index <= 3; index++) {
        const port = freePort();
        const start = () =>
          spawnChild(`dataplane-${index}`, ["bun", "run", "dataplane/main.ts"], {
            NATS_URL: nats.url,
            MODELUX_SECRET_KEY: SECRET_HEX,
            DATAPLANE_PORT: String(port),
            MODELUX_HOST: "127.0.0.1",
            MODELUX_NODE_ID: `fleet-dp-${index}`,
            MODELUX_DATA_DIR: join(dataDirectory, `dataplane-${index}`),
          });
        dataPlanes.push({ child: start(), url: `http://127.0.0.1:${port}`, start });
      }
      for (const plane of dataPlanes) {
        await waitUntil(async () => (await fetch(`${plane.url}/readyz`)).ok, {
          timeoutMs: 15_000,
          message: `${plane.child.name} not ready`,
        }).catch((error) => {
          throw new Error(`${error.message}\n${plane.child.output()}\n${controlPlane.output()}`);
        });
      }
    }, 60_000);

    afterAll(async () => {
      await Promise.all(dataPlanes.map((plane) => plane.child.stop()));
      await controlPlane?.stop();
      await nats?.stop();
      await simulator?.stop();
      await database?.drop();
      rmSync(dataDirectory, { recursive: true, force: true });
    });

    test("every data plane serves the seeded config through the simulator", async () => {
      for (const plane of dataPlanes) {
        const response = await chat(plane.url, "@default");
        expect(response.status).toBe(200);
        expect(response.headers.get("x-modelux-config")).toBe("default@1");
        expect(response.headers.get("x-modelux-provider-used")).toBe("openai");
        const body = (await response.json()) as {
          object: string;
          choices: Array<{ message: { content: string } }>;
        };
        expect(body.object).toBe("chat.completion");
        expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
      }
      // Unknown configs are a clean 404 in OpenAI's shape, not a crash.
      const missing = await chat(dataPlanes[0]?.url ?? "", "@fresh");
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { type: string } }).error.type).toBe(
        "not_found_error",
      );
    });

    test("a config created through the database layer is served by every data plane, pushed on the write", async () => {
      await saveRoutingConfig(database.handle.db, {
        orgId: tenant.orgId,
        projectId: tenant.projectId,
        slug: "fresh",
        config: { strategy: "single", model: "gpt-4o" },
      });
      // With the poll off, only the write's own publication can bring it; the bound is for a hang.
      const servedEverywhere = await waitUntil(() => allServe("@fresh"), {
        timeoutMs: 10_000,
        intervalMs: 25,
      });
      expect(servedEverywhere).toBe(true);
    });

    test("with NATS gone every data plane keeps serving its last snapshot, even after a restart", async () => {
      await nats.stop();
      expect(await allServe("@fresh")).toBe(true);
      expect(await allServe("@default")).toBe(true);

      const restarted = dataPlanes[2];
      if (!restarted) throw new Error("no third data plane");
      await restarted.child.stop();
      restarted.child = restarted.start();
      await waitUntil(async () => (await fetch(`${restarted.url}/readyz`)).ok, {
        timeoutMs: 15_000,
      }).catch((error) => {
        throw new Error(`${error.message}\n${restarted.child.output()}`);
      });
      const response = await chat(restarted.url, "@fresh");
      expect(response.status).toBe(200);
      expect(response.headers.get("x-modelux-model-used")).toBe("gpt-4o");
    }, 30_000);

    test("with NATS back the fleet follows changes again", async () => {
      await nats.start();
      await saveRoutingConfig(database.handle.db, {
        orgId: tenant.orgId,
        projectId: tenant.projectId,
        slug: "after-outage",
        config: { strategy: "single", model: "gpt-4o-mini" },
      });
      const served = await waitUntil(() => allServe("@after-outage"), {
        timeoutMs: 20_000,
        intervalMs: 100,
      }).catch((error) => {
        throw new Error(
          `${error.message}\n${dataPlanes.map((plane) => plane.child.output()).join("\n")}\n${controlPlane.output()}`,
        );
      });
      expect(served).toBe(true);
    }, 30_000);
  },
);
