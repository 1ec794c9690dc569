// Production as with_responses experiments replay it: on a management harness's database, a
// project that captures content, an OpenAI provider on the simulator, the @production config,
// a project budget, and the fleet's own path for traffic (the snapshot publisher, a data plane
// writing its trace log, the in-process bus, budget accounting and the Parquet warehouse).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, VARCHAR } from "@duckdb/node-api";
import { eq } from "drizzle-orm";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { hashKey, keyDisplayPrefix, newId, newSecretKey } from "#shared/ids/ids.ts";
import { type BudgetAccounting, startBudgetAccounting } from "../../controlplane/budgets/index.ts";
import type { DatabaseHandle } from "../../controlplane/db/client.ts";
import { apiKeys, projects, providers } from "../../controlplane/db/schema/index.ts";
import { saveRoutingConfig } from "../../controlplane/modules/routing-configs/service.ts";
import { SnapshotPublisher } from "../../controlplane/publisher/snapshot-publisher.ts";
import { type RunningWarehouse, startWarehouse } from "../../controlplane/warehouse/index.ts";
import { type RunningDataPlane, startDataPlane } from "../../dataplane/node.ts";
import { routingConfigKey } from "../../dataplane/snapshot/runtime-config.ts";
import { type ManagementHarness, testSecretBox } from "./management.ts";
import { waitUntil } from "./wait.ts";

export const PRODUCTION_SLUG = "production";
export const PRODUCTION_CONFIG = { strategy: "single", model: "gpt-4o-mini", provider: "openai" };

export interface CapturedWorld {
  dataPlane: RunningDataPlane;
  warehouse: RunningWarehouse;
  proxyKey: string;
  budgetId: string;
  /** Sends one chat request through the production data plane. */
  chat(body: Record<string, unknown>): Promise<Response>;
  /** Distinct request ids in the warehouse, once the ingester has written what was served. */
  storedRequestIds(): Promise<Set<string>>;
  /** The project budget's spend as the control plane has summed it. */
  budgetSpend(): Promise<number>;
  stop(): Promise<void>;
}

export async function startCapturedWorld(
  database: DatabaseHandle,
  harness: ManagementHarness,
  root: string,
): Promise<CapturedWorld> {
  const { db } = database;
  const { orgId, projectId } = harness.org;
  await db
    .update(projects)
    .set({ settings: { capture_content: true } })
    .where(eq(projects.id, projectId));
  await db.insert(providers).values({
    id: newId("provider"),
    org_id: orgId,
    name: "openai",
    vendor: "openai",
    base_url: `${harness.simulator.url}/v1`,
    credential_ciphertext: testSecretBox.encrypt("sk-simulator"),
    credential_hint: "…ator",
  });
  const proxyKey = newSecretKey("proxy");
  await db.insert(apiKeys).values({
    id: newId("apiKey"),
    org_id: orgId,
    project_id: projectId,
    name: "production",
    key_hash: hashKey(proxyKey),
    key_prefix: keyDisplayPrefix(proxyKey),
  });
  await saveRoutingConfig(db, {
    orgId,
    projectId,
    slug: PRODUCTION_SLUG,
    config: PRODUCTION_CONFIG,
  });
  const budget = await harness.rest("POST", "/budgets", {
    body: {
      name: "project",
      scope: { type: "project", value: projectId },
      period: "monthly",
      cap_usd: 100,
    },
  });
  if (budget.status !== 201) throw new Error(`budget: ${JSON.stringify(budget.body)}`);

  const bus: Bus = createInProcessBus();
  const publisher = new SnapshotPublisher({ database, bus, pollMs: 60_000 });
  await publisher.start();
  const accounting: BudgetAccounting = await startBudgetAccounting({ db, bus, log: () => {} });
  const warehouse = await startWarehouse({ bus, root, db, log: () => {}, flushIntervalMs: 100 });
  const traceDirectory = mkdtempSync(join(tmpdir(), "modelux-captured-wal-"));
  const dataPlane = await startDataPlane({
    nodeId: "dp-captured",
    hostname: "127.0.0.1",
    port: 0,
    secretBox: testSecretBox,
    bus: Promise.resolve(bus),
    traceDirectory,
    log: () => {},
  });
  await waitUntil(() => {
    const current = dataPlane.context.loader.current;
    return (
      current?.routingConfigs.has(routingConfigKey(projectId, PRODUCTION_SLUG)) &&
      current.projects.get(projectId)?.settings.capture_content === true &&
      current.budgets.length > 0
    );
  });
  const duckdb = await DuckDBInstance.create(":memory:");
  const connection = await duckdb.connect();

  return {
    dataPlane,
    warehouse,
    proxyKey,
    budgetId: budget.body.data.id,
    chat: (body) =>
      fetch(`${dataPlane.url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${proxyKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    async storedRequestIds() {
      await warehouse.flush();
      const files = readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) =>
        entry.name.endsWith(".parquet"),
      );
      if (files.length === 0) return new Set();
      const reader = await connection.runAndReadAll(
        "SELECT DISTINCT request_id FROM read_parquet($files, union_by_name = true)",
        { files: `${root}/**/*.parquet` },
        { files: VARCHAR },
      );
      return new Set(reader.getColumnsJS()[0] as string[]);
    },
    async budgetSpend() {
      const view = await harness.rest("GET", `/budgets/${budget.body.data.id}`);
      return Number(view.body.data.current_period.spend_usd);
    },
    async stop() {
      await dataPlane.stop();
      await accounting.stop();
      await warehouse.stop();
      await publisher.stop();
      await bus.close();
      connection.closeSync();
      duckdb.closeSync();
      rmSync(traceDirectory, { recursive: true, force: true });
    },
  };
}
