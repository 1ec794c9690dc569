// A control plane with the Management API and MCP server on a real database, two orgs with a
// management key per role, the provider simulator as upstream, and helpers to call REST and MCP.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ControlEvent } from "#shared/bus/envelopes.ts";
import type { StateStore } from "#shared/bus/state-store.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { controlPlaneSchema, readSettings } from "#shared/env/settings.ts";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import type { Role } from "../../controlplane/api/operation.ts";
import type { DatabaseHandle } from "../../controlplane/db/client.ts";
import { managementKeys, orgs, projects } from "../../controlplane/db/schema/index.ts";
import { createManagement, type Management } from "../../controlplane/management.ts";
import type { FleetCircuits } from "../../controlplane/modules/provider-health/fleet-circuits.ts";
import { createControlPlaneApp } from "../../controlplane/server.ts";
import { createWarehouseQuery } from "../../controlplane/warehouse/query.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";
import { TEST_EGRESS_ALLOW } from "./processes.ts";

/** Parsed response JSON, navigated freely by the tests (what JSON.parse returns). */
export type Json = ReturnType<typeof JSON.parse>;

export const testSecretBox = new SecretBox(new Uint8Array(32).fill(7));

export interface TestOrg {
  orgId: string;
  projectId: string;
  keys: Record<Role, string>;
}

export interface ManagementHarness {
  url: string;
  simulator: RunningSimulator;
  management: Management;
  org: TestOrg;
  other: TestOrg;
  controlEvents: ControlEvent[];
  logs: string[];
  rest(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Json; headers: Headers }>;
  mcp(key?: string): Promise<Client>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  fetch?: typeof fetch;
  /** A Parquet root for the logs and analytics operations (docs/warehouse.md). */
  tracesRoot?: string;
  /** The warehouse's export cap (default 100,000 rows). */
  exportMaxRows?: number;
  /** The bus's shared state store as the control plane sees it (cache purges); none by default. */
  cacheState?: StateStore;
  /** The data planes' circuit states as heard over a bus (provider health); none by default. */
  fleetCircuits?: FleetCircuits;
}

export async function seedOrg(database: DatabaseHandle, name: string): Promise<TestOrg> {
  const orgId = newId("org");
  const projectId = newId("project");
  await database.db.insert(orgs).values({ id: orgId, name, slug: `${name}-${orgId.slice(-8)}` });
  await database.db
    .insert(projects)
    .values({ id: projectId, org_id: orgId, name: "main", slug: "main" });
  const keys = {} as Record<Role, string>;
  for (const role of ["owner", "admin", "developer", "viewer"] as const) {
    const key = newSecretKey("management");
    keys[role] = key;
    await database.db.insert(managementKeys).values({
      id: newId("managementKey"),
      org_id: orgId,
      name: `${role} key`,
      role,
      key_hash: hashKey(key),
      key_prefix: keyDisplayPrefix(key),
    });
  }
  return { orgId, projectId, keys };
}

export async function startManagementHarness(
  database: DatabaseHandle,
  options: HarnessOptions = {},
): Promise<ManagementHarness> {
  const simulator = startSimulator({ port: 0 });
  const settings = readSettings(controlPlaneSchema, {
    DATABASE_URL: "postgres://unused",
    NATS_URL: "nats://unused",
    MODELUX_SECRET_KEY: "7".repeat(64),
    MODELUX_WEBHOOK_POLL_MS: "25",
    MODELUX_WEBHOOK_BACKOFF_BASE_MS: "40",
    MODELUX_PROVIDER_VERIFY_TIMEOUT_MS: "2000",
    MODELUX_WEBHOOK_TIMEOUT_MS: "2000",
    // The control plane's default policy (enforce) with the simulator and receivers let through.
    MODELUX_EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    ...options.env,
  });
  const controlEvents: ControlEvent[] = [];
  const logs: string[] = [];
  const warehouse = options.tracesRoot
    ? await createWarehouseQuery({
        root: options.tracesRoot,
        threads: 2,
        exportMaxRows: options.exportMaxRows,
      })
    : undefined;
  const management = createManagement({
    db: database.db,
    secretBox: testSecretBox,
    settings,
    log: (message) => logs.push(message),
    publishControl: async (event) => {
      controlEvents.push(event);
    },
    fetch: options.fetch,
    warehouse,
    ...(options.cacheState ? { cacheState: () => options.cacheState ?? null } : {}),
    ...(options.fleetCircuits ? { fleetCircuits: options.fleetCircuits } : {}),
  });
  const app = createControlPlaneApp({
    database,
    snapshotVersion: () => null,
    isBusConnected: () => true,
    management: management.app,
  });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  management.start();
  const url = `http://127.0.0.1:${server.port}`;
  const org = await seedOrg(database, "acme");
  const other = await seedOrg(database, "globex");
  const clients: Client[] = [];

  return {
    url,
    simulator,
    management,
    org,
    other,
    controlEvents,
    logs,
    async rest(method, path, { key = org.keys.owner, body, headers = {} } = {}) {
      const response = await app.handle(
        new Request(`http://localhost/manage/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
      const text = await response.text();
      return {
        status: response.status,
        body: text ? JSON.parse(text) : null,
        headers: response.headers,
      };
    },
    async mcp(key = org.keys.owner) {
      const client = new Client({ name: "modelux-test", version: "1.0.0" });
      const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) await client.close().catch(() => {});
      await management.stop();
      await warehouse?.close();
      await server.stop(true);
      await simulator.stop();
    },
  };
}

/** The JSON a tool call returned: its structured content, or the error body when it failed. */
export function toolResult(result: unknown): { isError: boolean; body: Json } {
  const typed = result as {
    isError?: boolean;
    structuredContent?: unknown;
    content?: Array<{ type: string; text?: string }>;
  };
  if (typed.isError) {
    return { isError: true, body: JSON.parse(typed.content?.[0]?.text ?? "null") };
  }
  return { isError: false, body: typed.structuredContent };
}
