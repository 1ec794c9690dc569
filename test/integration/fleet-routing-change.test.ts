// A routing config changed through the Management API reaches the whole fleet: one control plane
// and three data planes as separate processes on real Postgres and NATS, each data plane under
// back-to-back load. Every data plane switches within a second, with no restart, no failed
// request, and never serves the old version once it has served the new one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { managementKeys } from "../../controlplane/db/schema/index.ts";
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

const SECRET_HEX = "cd".repeat(32);
const secretBox = new SecretBox(Uint8Array.from(Buffer.from(SECRET_HEX, "hex")));

const OLD_MODEL = "gpt-4o-mini";
const NEW_MODEL = "claude-haiku-4-5";

/** One request of the load, as its data plane answered it. */
interface Served {
  sentAt: number;
  receivedAt: number;
  status: number;
  config: string | null;
  model: string | null;
}

describe.skipIf(servicesAbsent)(
  "fleet: a routing config changed through the Management API",
  () => {
    let database: TestDatabase;
    let nats: TestNatsServer;
    let simulator: ReturnType<typeof startSimulator>;
    let tenant: SeededTenant;
    let controlPlane: ChildProcess;
    let controlUrl = "";
    let managementKey = "";
    const dataPlanes: Array<{ child: ChildProcess; url: string }> = [];
    const dataDirectory = mkdtempSync(join(tmpdir(), "modelux-fleet-routing-"));

    const manage = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${controlUrl}/manage/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${managementKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { data?: Record<string, unknown> };
      return { status: response.status, json, data: json.data ?? {} };
    };

    const chat = async (url: string): Promise<Served> => {
      const sentAt = performance.now();
      const response = await fetch(`${url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${tenant.proxyKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "@live", messages: [{ role: "user", content: "hello" }] }),
      });
      await response.arrayBuffer();
      return {
        sentAt,
        receivedAt: performance.now(),
        status: response.status,
        config: response.headers.get("x-modelux-config"),
        model: response.headers.get("x-modelux-model-used"),
      };
    };

    const failureContext = () =>
      [controlPlane, ...dataPlanes.map((plane) => plane.child)]
        .map((child) => `--- ${child.name}\n${child.output().slice(-2000)}`)
        .join("\n");

    beforeAll(async () => {
      database = await createTestDatabase();
      nats = testNatsServer();
      await nats.start();
      simulator = startSimulator({ port: 0, hostname: "127.0.0.1" });
      tenant = await seedTenant(database.handle, secretBox, `${simulator.url}/v1`);
      managementKey = newSecretKey("management");
      await database.handle.db.insert(managementKeys).values({
        id: newId("managementKey"),
        org_id: tenant.orgId,
        name: "fleet test",
        role: "owner",
        key_hash: hashKey(managementKey),
        key_prefix: keyDisplayPrefix(managementKey),
      });

      const controlPort = freePort();
      controlUrl = `http://127.0.0.1:${controlPort}`;
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
      await waitUntil(async () => (await fetch(`${controlUrl}/readyz`)).ok, {
        timeoutMs: 15_000,
        message: "control plane not ready",
      }).catch((error) => {
        throw new Error(`${error.message}\n${controlPlane.output()}`);
      });

      for (let index = 1; index <= 3; index++) {
        const port = freePort();
        const child = spawnChild(`dataplane-${index}`, ["bun", "run", "dataplane/main.ts"], {
          NATS_URL: nats.url,
          MODELUX_SECRET_KEY: SECRET_HEX,
          DATAPLANE_PORT: String(port),
          MODELUX_HOST: "127.0.0.1",
          MODELUX_NODE_ID: `fleet-routing-dp-${index}`,
          MODELUX_DATA_DIR: join(dataDirectory, `dataplane-${index}`),
        });
        dataPlanes.push({ child, url: `http://127.0.0.1:${port}` });
      }
      for (const plane of dataPlanes) {
        await waitUntil(async () => (await fetch(`${plane.url}/readyz`)).ok, {
          timeoutMs: 15_000,
          message: `${plane.child.name} not ready`,
        }).catch((error) => {
          throw new Error(`${error.message}\n${failureContext()}`);
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

    test("every data plane serves the new version, pushed by the update, with no failed request", async () => {
      // The seeded tenant has an OpenAI provider only; the new version moves to Anthropic.
      const provider = await manage("POST", "/providers", {
        vendor: "anthropic",
        name: "anthropic",
        api_key: "sk-ant-fleet",
        base_url: `${simulator.url}/v1`,
      });
      expect(provider.status).toBe(201);
      const created = await manage("POST", "/routing-configs", {
        project_id: tenant.projectId,
        slug: "live",
        config: { strategy: "single", model: `openai/${OLD_MODEL}` },
      });
      expect(created.status).toBe(201);
      expect(created.data.current_version).toBe(1);
      await waitUntil(
        async () => {
          const answers = await Promise.all(dataPlanes.map((plane) => chat(plane.url)));
          return answers.every((answer) => answer.status === 200 && answer.config === "live@1");
        },
        { timeoutMs: 5000, intervalMs: 25, message: "@live v1 not served everywhere" },
      ).catch((error) => {
        throw new Error(`${error.message}\n${failureContext()}`);
      });

      // One back-to-back request loop per data plane, from before the change to after it.
      const served: Served[][] = dataPlanes.map(() => []);
      let running = true;
      const loops = dataPlanes.map(async (plane, index) => {
        const log = served[index] as Served[];
        while (running) {
          const sentAt = performance.now();
          // A refused connection is a failed request too, not the end of the loop.
          log.push(
            await chat(plane.url).catch(() => ({
              sentAt,
              receivedAt: performance.now(),
              status: 0,
              config: null,
              model: null,
            })),
          );
        }
      });
      const switchedEverywhere = () =>
        served.every((log) => log.some((answer) => answer.model === NEW_MODEL));

      await Bun.sleep(300);
      const updateSent = performance.now();
      const updated = await manage("PATCH", `/routing-configs/${created.data.id}`, {
        config: { strategy: "single", model: `anthropic/${NEW_MODEL}` },
      });
      const updateAnswered = performance.now();
      const deadline = updateAnswered + 5000;
      while (!switchedEverywhere() && performance.now() < deadline) await Bun.sleep(10);
      // Keep the load on a little longer: a data plane must not flip back.
      await Bun.sleep(500);
      running = false;
      await Promise.all(loops);

      expect(updated.status).toBe(200);
      expect(updated.data.current_version).toBe(2);

      const report = served.map((log, index) => {
        const first = log.find((answer) => answer.model === NEW_MODEL);
        const switchedAt = first?.receivedAt ?? Number.POSITIVE_INFINITY;
        return {
          plane: dataPlanes[index]?.child.name ?? `dataplane-${index + 1}`,
          requests: log.length,
          servedOld: log.filter((answer) => answer.model === OLD_MODEL).length,
          failed: log.filter((answer) => answer.status !== 200),
          // Upper bound: the first new answer was received this long after the API answered.
          propagationMs: switchedAt - updateAnswered,
          fromRequestMs: switchedAt - updateSent,
          // Requests sent after the plane was seen serving v2 that still got something else.
          reverted: log.filter(
            (answer) =>
              answer.sentAt > switchedAt &&
              (answer.model !== NEW_MODEL || answer.config !== "live@2"),
          ),
          oldAnswersWrong: log.filter(
            (answer) => answer.model === OLD_MODEL && answer.config !== "live@1",
          ),
        };
      });
      console.log(
        `update answered in ${(updateAnswered - updateSent).toFixed(1)} ms; propagation after it:\n${report
          .map(
            (entry) =>
              `  ${entry.plane}: ${entry.propagationMs.toFixed(1)} ms after the API response ` +
              `(${entry.fromRequestMs.toFixed(1)} ms after the request), ${entry.servedOld} of ${entry.requests} requests on v1`,
          )
          .join("\n")}`,
      );

      for (const entry of report) {
        expect({ plane: entry.plane, failed: entry.failed }).toEqual({
          plane: entry.plane,
          failed: [],
        });
        expect({ plane: entry.plane, reverted: entry.reverted }).toEqual({
          plane: entry.plane,
          reverted: [],
        });
        expect(entry.oldAnswersWrong).toEqual([]);
        // The load saw both versions: v1 before the change, v2 after it.
        expect(entry.servedOld).toBeGreaterThan(0);
        expect(entry.requests - entry.servedOld).toBeGreaterThan(0);
        // Switched at all, with the poll off: pushed by the update (the time is printed above).
        expect(Number.isFinite(entry.propagationMs)).toBe(true);
      }
    }, 20_000);
  },
);
