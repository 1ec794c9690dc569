// Per-key limits through the Management API on real Postgres (docs/limits.md): a proxy key's
// rpm_limit and tpm_limit (set, changed, cleared, refused out of range with the field named), a
// project's defaults in its settings, and both in the snapshot the data planes compile, where a
// key without its own limits takes its project's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { hashKey } from "#shared/ids/ids.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { projects } from "../../controlplane/db/schema/index.ts";
import { openReplayPlane } from "../../controlplane/experiments/replay-plane.ts";
import { compileSnapshotBody } from "../../controlplane/publisher/compile-snapshot.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import { seedTenant } from "../support/fleet-fixtures.ts";
import {
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("per-key limits in the Management API (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  /** The runtime limits a data plane compiles for each of the org's keys, by key id. */
  const compiledLimits = async () => {
    const loader = new SnapshotLoader({ secretBox: testSecretBox });
    const applied = loader.apply(sealSnapshot(1, await compileSnapshotBody(database.handle.db)));
    if (!applied.applied || !loader.current) throw new Error(JSON.stringify(applied));
    return new Map([...loader.current.keysByHash.values()].map((key) => [key.id, key.limits]));
  };

  test("a key's limits and its project's defaults reach the snapshot", async () => {
    const projectId = harness.org.projectId;
    const own = await harness.rest("POST", "/api-keys", {
      body: { project_id: projectId, name: "own", rpm_limit: 30, tpm_limit: 40_000 },
    });
    expect(own.status).toBe(201);
    expect(own.body.data).toMatchObject({ rpm_limit: 30, tpm_limit: 40_000 });
    const bare = await harness.rest("POST", "/api-keys", {
      body: { project_id: projectId, name: "bare" },
    });
    expect(bare.body.data).toMatchObject({ rpm_limit: null, tpm_limit: null });
    const ownId = own.body.data.id as string;
    const bareId = bare.body.data.id as string;
    expect((await compiledLimits()).get(bareId)).toBeNull();

    const project = await harness.rest("PATCH", `/projects/${projectId}`, {
      body: { settings: { rpm_limit: 600, tpm_limit: 1_000_000 } },
    });
    expect(project.status).toBe(200);
    expect(project.body.data.settings).toMatchObject({ rpm_limit: 600, tpm_limit: 1_000_000 });
    let limits = await compiledLimits();
    expect(limits.get(bareId)).toEqual({ requests: 600, tokens: 1_000_000 });
    expect(limits.get(ownId)).toEqual({ requests: 30, tokens: 40_000 });

    // Cleared on the key: the project's default applies; cleared on the project: none.
    const cleared = await harness.rest("PATCH", `/api-keys/${ownId}`, {
      body: { tpm_limit: null },
    });
    expect(cleared.body.data).toMatchObject({ rpm_limit: 30, tpm_limit: null });
    await harness.rest("PATCH", `/projects/${projectId}`, {
      body: { settings: { rpm_limit: null } },
    });
    limits = await compiledLimits();
    expect(limits.get(ownId)).toEqual({ requests: 30, tokens: 1_000_000 });
    expect(limits.get(bareId)).toEqual({ requests: null, tokens: 1_000_000 });
    const fetched = await harness.rest("GET", `/projects/${projectId}`);
    expect(fetched.body.data.settings).toMatchObject({ rpm_limit: null, tpm_limit: 1_000_000 });
  });

  test("limits out of range are refused with the field named", async () => {
    const projectId = harness.org.projectId;
    for (const [body, field] of [
      [{ project_id: projectId, name: "x", tpm_limit: 0 }, "body.tpm_limit"],
      [{ project_id: projectId, name: "x", tpm_limit: 2.5 }, "body.tpm_limit"],
      [{ project_id: projectId, name: "x", rpm_limit: -1 }, "body.rpm_limit"],
    ] as const) {
      const refused = await harness.rest("POST", "/api-keys", { body });
      expect(refused.status).toBe(400);
      expect(refused.body.error.fields[0].field).toBe(field);
    }
    const badDefault = await harness.rest("PATCH", `/projects/${projectId}`, {
      body: { settings: { tpm_limit: "lots" } },
    });
    expect(badDefault.status).toBe(400);
    expect(badDefault.body.error.fields[0].field).toBe("body.settings.tpm_limit");
  });

  test("an experiment's replay key is not held by its project's default limits", async () => {
    const tenant = await seedTenant(
      database.handle,
      testSecretBox,
      `${harness.simulator.url}/v1`,
      "replay",
    );
    await database.handle.db
      .update(projects)
      .set({ settings: { rpm_limit: 1, tpm_limit: 1 } })
      .where(eq(projects.id, tenant.projectId));
    // The tenant's own key (no limits of its own) is held by them.
    const loader = new SnapshotLoader({ secretBox: testSecretBox });
    loader.apply(sealSnapshot(1, await compileSnapshotBody(database.handle.db)));
    expect(loader.current?.keysByHash.get(hashKey(tenant.proxyKey))?.limits).toEqual({
      requests: 1,
      tokens: 1,
    });
    const plane = await openReplayPlane({
      db: database.handle.db,
      secretBox: testSecretBox,
      scope: { orgId: tenant.orgId, projectId: tenant.projectId, slug: "default" },
      candidate: { strategy: "single", model: "gpt-4o-mini" },
      marker: "exp_limits",
      seed: 1,
    });
    const call = {
      path: "/openai/v1/chat/completions",
      headers: {},
      body: { model: "@default", messages: [{ role: "user", content: "replay me" }] },
    };
    const statuses = [(await plane.send(call)).status, (await plane.send(call)).status];
    expect(statuses).toEqual([200, 200]);
  });

  test("MCP's update_api_key takes tpm_limit (the same operation)", async () => {
    const created = await harness.rest("POST", "/api-keys", {
      body: { project_id: harness.org.projectId, name: "via-mcp" },
    });
    const client = await harness.mcp();
    const result = await client.callTool({
      name: "update_api_key",
      arguments: { api_key_id: created.body.data.id, tpm_limit: 5_000 },
    });
    expect(result.isError).toBeFalsy();
    const fetched = await harness.rest("GET", `/api-keys/${created.body.data.id}`);
    expect(fetched.body.data.tpm_limit).toBe(5_000);
    await client.close();
  });
});
