// Every MCP tool name modelux.ai's pages document (docs/compatibility.md, "MCP"), called over
// MCP by the SDK's own client with the arguments its page shows, so an agent that learned the
// product's names and bodies finds them here. The table below is the one docs/compatibility.md
// gives, page by page.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

/** modelux.ai's MCP tool tables, by the page that documents them. */
const DOCUMENTED_TOOLS: Record<string, string[]> = {
  "docs/api/management-projects": [
    "list_projects",
    "get_project",
    "create_project",
    "update_project",
    "delete_project",
  ],
  "docs/api/management-providers": [
    "list_providers",
    "get_provider",
    "add_provider",
    "update_provider",
    "delete_provider",
  ],
};

describe.skipIf(servicesAbsent)("modelux.ai's documented MCP tool names (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let client: Client;
  const called = new Set<string>();

  async function call(name: string, args: Record<string, unknown>): Promise<Json> {
    called.add(name);
    const result = toolResult(await client.callTool({ name, arguments: args }));
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.body)}`);
    return result.body.data;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle, {
      env: { MODELUX_MANAGEMENT_RPM: "1000" },
    });
    client = await harness.mcp();
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  test("every documented name is a listed tool", async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    for (const name of Object.values(DOCUMENTED_TOOLS).flat()) expect(names).toContain(name);
  });

  test("management-projects: the five tools with the page's bodies", async () => {
    const created = await call("create_project", {
      name: "staging",
      description: "optional — shown in the dashboard",
    });
    expect(created).toMatchObject({
      name: "staging",
      slug: "staging",
      description: "optional — shown in the dashboard",
    });
    const listed = await call("list_projects", {});
    expect(listed.map((project: Json) => project.id)).toContain(created.id);
    expect((await call("get_project", { project_id: created.id })).name).toBe("staging");
    const renamed = await call("update_project", {
      project_id: created.id,
      name: "staging-eu",
      description: "EU staging",
    });
    expect(renamed).toMatchObject({ name: "staging-eu", description: "EU staging" });
    expect(await call("delete_project", { project_id: created.id })).toEqual({
      id: created.id,
      deleted: true,
    });
    // The slug a name makes, and a second project of the same name refused (the page's 409).
    expect((await call("create_project", { name: "Staging EU (Frankfurt)" })).slug).toBe(
      "staging-eu-frankfurt",
    );
    const twice = toolResult(
      await client.callTool({
        name: "create_project",
        arguments: { name: "Staging EU Frankfurt" },
      }),
    );
    expect(twice.isError).toBe(true);
    expect(twice.body.error).toMatchObject({ type: "conflict", status: 409 });
  });

  test("management-providers: the five tools with the page's bodies", async () => {
    const added = await call("add_provider", {
      vendor: "openai",
      name: "openai-production",
      api_key: "sk-documented",
      base_url: `${harness.simulator.url}/v1`,
    });
    expect(added).toMatchObject({ vendor: "openai", name: "openai-production" });
    const listed = await call("list_providers", {});
    expect(listed.map((provider: Json) => provider.id)).toContain(added.id);
    expect((await call("get_provider", { provider_id: added.id })).name).toBe("openai-production");
    // The page's "rotate key": PATCH with the new api_key.
    const rotated = await call("update_provider", { provider_id: added.id, api_key: "sk-new-key" });
    expect(rotated.credential_hint).toBe("…-key");
    expect(await call("delete_provider", { provider_id: added.id })).toEqual({
      id: added.id,
      deleted: true,
    });
  });

  test("each documented name was called above", () => {
    expect([...called].sort()).toEqual(Object.values(DOCUMENTED_TOOLS).flat().sort());
  });
});
