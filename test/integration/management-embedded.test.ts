// The Management API and MCP server as a user of `bun run dev` meets them: the printed
// management key works; a key created through the API serves at once; a revoked key is refused
// by the data plane within a second; a routing config saved over MCP is routable within a second.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { type RunningEmbedded, startEmbedded } from "../../embedded/start.ts";
import { toolResult } from "../support/management.ts";
import { freePort } from "../support/processes.ts";
import { waitUntil } from "../support/wait.ts";

describe("Management API in the embedded default", () => {
  let running: RunningEmbedded;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "modelux-management-"));
    running = await startEmbedded(
      readSettings(embeddedSchema, {
        MODELUX_DATA_DIR: dataDir,
        MODELUX_HOST: "127.0.0.1",
        DATAPLANE_PORT: String(freePort()),
        CONTROLPLANE_PORT: String(freePort()),
        SIMULATOR_PORT: String(freePort()),
        // The publisher's safety-net poll off: a change that arrives came by the push alone.
        MODELUX_SNAPSHOT_POLL_MS: "3600000",
      }),
      { quiet: true },
    );
    // Starting the stack (migrations included) takes seconds on a busy machine: a hang bound.
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const manage = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${running.controlPlaneUrl}/manage/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${running.seed.managementKey}`,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { data: Record<string, unknown> },
    };
  };

  const chat = (key: string, model: string) =>
    fetch(`${running.dataPlaneUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }] }),
    });

  test("the seeded org is ready, and a new key serves, then is refused once revoked (pushed, not polled)", async () => {
    const status = await manage("GET", "/setup-status");
    expect(status.body.data.ready).toBe(true);
    const created = await manage("POST", "/api-keys", {
      project_id: running.seed.projectId,
      name: "e2e",
    });
    expect(created.status).toBe(201);
    const key = created.body.data.key as string;
    await waitUntil(async () => (await chat(key, "@default")).status === 200, {
      timeoutMs: 10_000,
    });

    const revoked = await manage("POST", `/api-keys/${created.body.data.id}/revoke`);
    expect(revoked.status).toBe(200);
    // With the poll off only the revocation's own push can refuse it; the bound is for a hang.
    await waitUntil(async () => (await chat(key, "@default")).status === 401, {
      timeoutMs: 10_000,
      intervalMs: 10,
      message: "the revoked key was still accepted",
    });
  });

  test("a routing config saved over MCP is routable, pushed on the save", async () => {
    const client = new Client({ name: "e2e", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${running.controlPlaneUrl}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${running.seed.managementKey}` } },
      }),
    );
    try {
      const saved = toolResult(
        await client.callTool({
          name: "save_routing_config",
          arguments: {
            project_id: running.seed.projectId,
            slug: "from-mcp",
            config: { strategy: "single", model: "gpt-4.1-mini" },
          },
        }),
      );
      expect(saved.isError).toBe(false);
      const response = await waitUntil(
        async () => {
          const answer = await chat(running.seed.proxyKey, "@from-mcp");
          return answer.status === 200 ? answer : null;
        },
        { timeoutMs: 10_000, intervalMs: 10 },
      );
      expect(((await response.json()) as { model: string }).model).toBe("gpt-4.1-mini");
    } finally {
      await client.close();
    }
  });
});
