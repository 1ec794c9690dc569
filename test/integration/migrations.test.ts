// The same drizzle migrations build the same schema on PGlite and on Postgres, and the config
// tables' NOTIFY trigger fires on both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import {
  CONFIG_CHANGED_CHANNEL,
  type DatabaseHandle,
  openPglite,
} from "../../controlplane/db/client.ts";
import { orgs } from "../../controlplane/db/schema/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const EXPECTED_TABLES = [
  "api_keys",
  "audit_log",
  "budget_events",
  "budget_spend",
  "budgets",
  "experiment_validations",
  "experiments",
  "gateway_batch_lines",
  "gateway_batches",
  "idempotency_keys",
  "management_keys",
  "management_rate_limits",
  "members",
  "orgs",
  "price_overrides",
  "projects",
  "providers",
  "routing_config_versions",
  "routing_configs",
  "scheduled_experiment_runs",
  "scheduled_experiments",
  "snapshots",
  "spend_node_cursors",
  "webhook_deliveries",
  "webhooks",
];

async function describeSchema(handle: DatabaseHandle) {
  const columns = await handle.db.execute<{
    table_name: string;
    column_name: string;
    data_type: string;
  }>(sql`
    select table_name, column_name, data_type from information_schema.columns
    where table_schema = 'public' order by table_name, column_name`);
  const triggers = await handle.db.execute<{ trigger_name: string }>(sql`
    select distinct trigger_name from information_schema.triggers order by trigger_name`);
  const rows = (result: unknown) =>
    Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  return { columns: rows(columns), triggers: rows(triggers) };
}

async function expectNotifyOnConfigWrite(handle: DatabaseHandle) {
  const seen: string[] = [];
  const unlisten = await handle.listen(CONFIG_CHANGED_CHANNEL, (payload) => seen.push(payload));
  await handle.db.insert(orgs).values({ id: newId("org"), name: "N", slug: `n-${Date.now()}` });
  await waitUntil(() => seen.includes("orgs"), { message: "no NOTIFY after a write to orgs" });
  await unlisten();
}

describe("migrations on PGlite", () => {
  let pglite: DatabaseHandle;
  beforeAll(async () => {
    pglite = await openPglite();
    await pglite.migrate();
  });
  afterAll(() => pglite.close());

  test("create every core table", async () => {
    const { columns } = await describeSchema(pglite);
    const tables = new Set((columns as Array<{ table_name: string }>).map((row) => row.table_name));
    for (const table of EXPECTED_TABLES) expect(tables.has(table)).toBe(true);
  });

  test("are idempotent: running them again changes nothing", async () => {
    const before = await describeSchema(pglite);
    await pglite.migrate();
    expect(await describeSchema(pglite)).toEqual(before);
  });

  test("notify the publisher on config writes", () => expectNotifyOnConfigWrite(pglite));

  test("give proxy keys a token limit per minute (0005_api_keys_tpm_limit)", async () => {
    const { columns } = await describeSchema(pglite);
    expect(columns).toContainEqual({
      table_name: "api_keys",
      column_name: "tpm_limit",
      data_type: "integer",
    });
  });
});

describe.skipIf(servicesAbsent)("migrations on Postgres", () => {
  let database: TestDatabase;
  let pglite: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase();
    pglite = await openPglite();
    await pglite.migrate();
  });
  afterAll(async () => {
    await database?.drop();
    await pglite?.close();
  });

  test("build exactly the schema PGlite gets", async () => {
    expect(await describeSchema(database.handle)).toEqual(await describeSchema(pglite));
  });

  test("notify the publisher on config writes", () => expectNotifyOnConfigWrite(database.handle));

  test("bun run migrate applies them to DATABASE_URL", async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const child = Bun.spawn(["bun", "run", "migrate"], {
        env: { ...process.env, DATABASE_URL: fresh.url },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await child.exited).toBe(0);
      const { columns } = await describeSchema(fresh.handle);
      expect((columns as unknown[]).length).toBeGreaterThan(100);
    } finally {
      await fresh.drop();
    }
  });
});
