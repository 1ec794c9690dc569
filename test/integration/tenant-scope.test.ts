// Tenant scope (controlplane/db/tenant.ts): two orgs with one of everything in Postgres, migrated
// with the real migrations. A tenant bound to org A never returns, counts, changes or deletes a
// row of org B, whatever id it is handed, and what it inserts lands in A whatever the values say.
// The module services built on it answer 404 for B's objects and list only A's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { eq, getTableColumns, is } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { newId } from "#shared/ids/ids.ts";
import type { ManagementServices } from "../../controlplane/api/operation.ts";
import type { Database } from "../../controlplane/db/client.ts";
import * as schema from "../../controlplane/db/schema/index.ts";
import { type OrgTable, scoped, type Tenant } from "../../controlplane/db/tenant.ts";
import {
  createApiKey,
  getApiKey,
  listApiKeys,
} from "../../controlplane/modules/api-keys/service.ts";
import { createBudget, listBudgets } from "../../controlplane/modules/budgets/service.ts";
import { recordPrediction } from "../../controlplane/modules/experiments/validations.ts";
import { createManagementKey } from "../../controlplane/modules/management-keys/service.ts";
import { createMember, getMember } from "../../controlplane/modules/members/service.ts";
import { getOrg } from "../../controlplane/modules/orgs/service.ts";
import { createPriceOverride } from "../../controlplane/modules/price-overrides/service.ts";
import {
  createProject,
  getProject,
  listProjects,
} from "../../controlplane/modules/projects/service.ts";
import {
  getProvider,
  insertProvider,
  providerUsers,
} from "../../controlplane/modules/providers/service.ts";
import {
  currentConfigs,
  listRoutingConfigs,
  saveConfigVersion,
} from "../../controlplane/modules/routing-configs/service.ts";
import { checkProviderReferences } from "../../controlplane/modules/routing-configs/validate.ts";
import { setupStatus } from "../../controlplane/modules/setup-status/service.ts";
import { createWebhook } from "../../controlplane/modules/webhooks/service.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

/** Every table whose rows belong to one org, by its exported name. */
const ORG_TABLES = (Object.entries(schema) as Array<[string, unknown]>).filter(
  (entry): entry is [string, OrgTable] =>
    is(entry[1], PgTable) && "org_id" in getTableColumns(entry[1] as PgTable),
);

const secretBox = new SecretBox(randomBytes(32));
const services = { secretBox } as unknown as ManagementServices;
const owner = (orgId: string) => ({ org_id: orgId, role: "owner" as const, key_id: "test" });

/** One of everything an org owns, made through the module services. */
async function populate(tenant: Tenant, label: string) {
  const project = await createProject(tenant, { name: label, slug: `${label}-project` });
  await createApiKey(tenant, "test", { project_id: project.id, name: `${label}-key` });
  const member = await createMember(tenant, owner(tenant.orgId), {
    email: `${label}@example.com`,
    role: "viewer",
  });
  await createManagementKey(tenant, owner(tenant.orgId), { name: `${label}-mk`, role: "viewer" });
  const provider = await insertProvider(
    tenant,
    services,
    { vendor: "openai", name: `${label}-openai`, api_key: `sk-${label}` },
    {
      checked_at: new Date().toISOString(),
      ok: true,
      status_code: 200,
      latency_ms: 1,
      error: null,
    },
  );
  await saveConfigVersion(tenant, {
    projectId: project.id,
    slug: `${label}-config`,
    config: { strategy: "single", model: `${label}-openai/gpt-4o` },
  });
  await createBudget(tenant, {
    name: `${label}-budget`,
    scope: { type: "org" },
    period: "daily",
    cap_usd: 1,
    action: "downgrade",
    downgrade_to: { provider: `${label}-openai`, model: "gpt-4o-mini" },
  } as Parameters<typeof createBudget>[1]);
  await createWebhook(tenant, secretBox, {
    url: `https://${label}.example.com/hook`,
    event_types: ["*"],
  });
  await createPriceOverride(tenant, {
    vendor: "openai",
    model: `${label}-model`,
    input_usd_per_mtok: 1,
    output_usd_per_mtok: 2,
  });
  const experiment = await tenant.insert(schema.experiments, {
    id: newId("experiment"),
    project_id: project.id,
    name: `${label}-experiment`,
    mode: "routing_only",
    baseline_config: `${label}-config`,
    candidate_config: { strategy: "single", model: "gpt-4o-mini" },
    window_start: new Date(Date.now() - 86_400_000),
    window_end: new Date(),
    candidate_summary: { requests: 10, cost_usd_per_request: 0.001 },
  });
  await recordPrediction(tenant, experiment, {
    routing_config_id: newId("routingConfig"),
    config_slug: `${label}-config`,
    version: 2,
    promoted_at: new Date(),
  });
  const scheduleId = newId("scheduledExperiment");
  await tenant.insert(schema.scheduledExperiments, {
    id: scheduleId,
    project_id: project.id,
    name: `${label}-schedule`,
    cron_expression: "0 9 * * *",
    window_hours: 24,
    mode: "routing_only",
    baseline_config: `${label}-config`,
    candidate_config: { strategy: "single", model: "gpt-4o-mini" },
    success_criteria: { predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }] },
  });
  await tenant.insert(schema.scheduledExperimentRuns, {
    id: newId("scheduledExperimentRun"),
    scheduled_experiment_id: scheduleId,
    experiment_id: experiment.id,
    trigger: "schedule",
    scheduled_for: new Date(),
    window_start: new Date(Date.now() - 86_400_000),
    window_end: new Date(),
  });
  const batchId = `batch_mlx_${label}${newId("experiment").slice(-12)}`;
  await tenant.insert(schema.gatewayBatches, {
    id: batchId,
    project_id: project.id,
    key_id: "test",
    surface: "openai",
    endpoint: "/v1/chat/completions",
    status: "in_progress",
    reason: "@config",
    total_lines: 1,
  });
  await tenant.insert(schema.gatewayBatchLines, {
    id: `${batchId}:0`,
    batch_id: batchId,
    line_index: 0,
    custom_id: `${label}-line`,
    body: { model: `@${label}-config`, messages: [] },
  });
  await tenant.insert(schema.auditLog, {
    id: newId("auditEntry"),
    actor_type: "management_key",
    actor_id: "test",
    action: `${label}.tested`,
    resource_type: "org",
    resource_id: tenant.orgId,
  });
  return { project, member, provider };
}

describe.skipIf(servicesAbsent)("tenant scope (Postgres)", () => {
  let database: TestDatabase;
  let db: Database;
  let a: Tenant;
  let b: Tenant;
  let objectsOfB: Awaited<ReturnType<typeof populate>>;
  /** Each org-owned table's rows of org B, read directly (the tenant's view is what is tested). */
  const rowsOfB = new Map<string, Array<{ id: string }>>();

  const readB = async (table: OrgTable) =>
    (await db
      .select()
      .from(table as PgTable)
      .where(eq(table.org_id, b.orgId))) as Array<{ id: string }>;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.handle.db;
    const [orgA, orgB] = await db
      .insert(schema.orgs)
      .values([
        { id: newId("org"), name: "A", slug: "org-a" },
        { id: newId("org"), name: "B", slug: "org-b" },
      ])
      .returning();
    a = scoped(db, orgA?.id ?? "");
    b = scoped(db, orgB?.id ?? "");
    await populate(a, "a");
    objectsOfB = await populate(b, "b");
    for (const [name, table] of ORG_TABLES) rowsOfB.set(name, await readB(table));
  });
  afterAll(async () => {
    await database?.drop();
  });

  test("every org-owned table is populated in both orgs", () => {
    expect(ORG_TABLES.map(([name]) => name).sort()).toEqual(
      [
        "apiKeys",
        "auditLog",
        "budgets",
        "experimentValidations",
        "experiments",
        "gatewayBatches",
        "gatewayBatchLines",
        "managementKeys",
        "members",
        "priceOverrides",
        "projects",
        "providers",
        "routingConfigs",
        "scheduledExperimentRuns",
        "scheduledExperiments",
        "webhooks",
      ].sort(),
    );
    for (const [name] of ORG_TABLES) expect(rowsOfB.get(name)?.length, name).toBeGreaterThan(0);
  });

  test("reads: rows, find, count and page see only the tenant's org", async () => {
    for (const [name, table] of ORG_TABLES) {
      const rows = (await a.rows(table)) as Array<{ org_id: string; id: string }>;
      expect(rows.length, name).toBeGreaterThan(0);
      expect(
        rows.every((row) => row.org_id === a.orgId),
        name,
      ).toBe(true);
      expect(await a.count(table), name).toBe(rows.length);
      const page = await a.page(table, { limit: 100 }, [], (row) => row as { org_id: string });
      expect(
        page.data.map((row) => row.org_id),
        name,
      ).toEqual(rows.map(() => a.orgId));
      for (const row of rowsOfB.get(name) ?? []) {
        expect(await a.find(table, row.id), `${name} ${row.id}`).toBeUndefined();
      }
    }
  });

  test("writes: update and delete by another org's id change nothing; insert lands in the tenant's org", async () => {
    for (const [name, table] of ORG_TABLES) {
      for (const row of rowsOfB.get(name) ?? []) {
        if ("name" in getTableColumns(table as PgTable))
          expect(await a.update(table, row.id, { name: "taken" } as never), name).toBeUndefined();
        await a.delete(table, row.id);
      }
      expect(await readB(table), name).toEqual(rowsOfB.get(name) ?? []);
    }
    const smuggled = await a.insert(schema.projects, {
      id: newId("project"),
      name: "smuggled",
      slug: "smuggled",
      org_id: b.orgId,
    } as never);
    expect(smuggled.org_id).toBe(a.orgId);
    await a.delete(schema.projects, smuggled.id);
  });

  test("the org itself: the tenant reads its own", async () => {
    expect((await getOrg(a)).slug).toBe("org-a");
    expect((await getOrg(b)).slug).toBe("org-b");
  });

  test("module services: another org's objects are not found and never listed", async () => {
    await expect(getProject(a, objectsOfB.project.id)).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(getMember(a, objectsOfB.member.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(getProvider(a, objectsOfB.provider.id)).rejects.toMatchObject({
      code: "not_found",
    });
    const keyOfB = rowsOfB.get("apiKeys")?.[0]?.id ?? "";
    await expect(getApiKey(a, keyOfB)).rejects.toMatchObject({ code: "not_found" });
    // A reference to B's provider by name or id is "no such provider in this org".
    for (const provider of ["b-openai", objectsOfB.provider.id]) {
      await expect(
        checkProviderReferences(a, { strategy: "single", model: "gpt-4o", provider }),
      ).rejects.toMatchObject({ code: "not_found" });
    }

    const lists = {
      projects: (await listProjects(a, {})).data.map((row) => row.slug),
      keys: (await listApiKeys(a, {})).data.map((row) => row.name),
      configs: (await listRoutingConfigs(a, {})).data.map((row) => row.slug),
      current: (await currentConfigs(a)).map((row) => row.slug),
      budgets: (await listBudgets(a, {})).data.map((row) => row.name),
    };
    expect(lists).toEqual({
      projects: ["a-project"],
      keys: ["a-key"],
      configs: ["a-config"],
      current: ["a-config"],
      budgets: ["a-budget"],
    });
    // B's provider is used by B's config and budget only: A's tenant does not see them.
    expect(await providerUsers(a, objectsOfB.provider)).toEqual([]);
    expect((await providerUsers(b, objectsOfB.provider)).sort()).toEqual([
      'budget "b-budget"',
      "routing config @b-config",
    ]);
    const status = await setupStatus(a);
    expect(status.counts).toMatchObject({
      projects: 1,
      providers: 1,
      active_api_keys: 1,
      routing_configs: 1,
      budgets: 1,
      webhooks: 1,
    });
  });
});
