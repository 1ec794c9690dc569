// The published modelux contract (issue 22, docs/compatibility.md): the examples of modelux.ai's
// documentation pages, translated from curl/Python/TypeScript into requests, driven against the
// embedded default (`bun run dev`) as a user following the docs would. Where our design differs,
// the documented form is an alias of ours; each test names the page it follows.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { type RunningEmbedded, startEmbedded } from "../../embedded/start.ts";
import { type Json, toolResult } from "../support/management.ts";
import { freePort } from "../support/processes.ts";

describe("the published modelux contract, on the embedded default", () => {
  let running: RunningEmbedded;
  let dataDir: string;
  let receiver: ReturnType<typeof Bun.serve>;
  const received: Array<{ type: string; data: Json }> = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "modelux-contract-"));
    running = await startEmbedded(
      readSettings(embeddedSchema, {
        MODELUX_DATA_DIR: dataDir,
        MODELUX_HOST: "127.0.0.1",
        DATAPLANE_PORT: String(freePort()),
        CONTROLPLANE_PORT: String(freePort()),
        SIMULATOR_PORT: String(freePort()),
        MODELUX_MANAGEMENT_RPM: "10000",
      }),
      { quiet: true },
    );
    receiver = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        received.push((await request.json()) as { type: string; data: Json });
        return new Response("ok");
      },
    });
    // Starting the stack (migrations included) takes seconds on a busy machine: a hang bound.
  }, 120_000);
  afterAll(async () => {
    receiver?.stop(true);
    await running?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** `curl -X METHOD https://api.modelux.ai/manage/v1…` with the management key. */
  async function manage(method: string, path: string, body?: unknown) {
    const response = await fetch(`${running.controlPlaneUrl}/manage/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${running.seed.managementKey}`,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  describe("docs/api/management-webhooks", () => {
    test("endpoints under /webhooks/endpoints: create, list, get, update (active), rotate, delete", async () => {
      const created = await manage("POST", "/webhooks/endpoints", {
        url: `http://127.0.0.1:${receiver.port}/hooks/modelux`,
        event_types: ["budget.threshold_reached", "routing_config.updated"],
        description: "Production webhook",
      });
      expect(created.status).toBe(201);
      expect(created.body.data.signing_secret).toStartWith("whsec_");
      const id = created.body.data.id as string;

      const listed = await manage("GET", "/webhooks/endpoints");
      expect(listed.body.data.map((item: Json) => item.id)).toContain(id);
      expect((await manage("GET", `/webhooks/endpoints/${id}`)).body.data).toMatchObject({
        id,
        description: "Production webhook",
        active: true,
      });

      const paused = await manage("PATCH", `/webhooks/endpoints/${id}`, { active: false });
      expect(paused.body.data).toMatchObject({ active: false, enabled: false });
      const both = await manage("PATCH", `/webhooks/endpoints/${id}`, {
        active: true,
        enabled: true,
      });
      expect(both.status).toBe(400);
      expect(both.body.error.fields[0].field).toBe("body.active");
      await manage("PATCH", `/webhooks/endpoints/${id}`, { active: true });

      const rotated = await manage("POST", `/webhooks/endpoints/${id}/rotate-secret`);
      expect(rotated.body.data.signing_secret).not.toBe(created.body.data.signing_secret);
      expect(rotated.body.data.previous_secret_expires_at).not.toBeNull();

      expect((await manage("DELETE", `/webhooks/endpoints/${id}`)).body.data).toEqual({
        id,
        deleted: true,
      });
      const gone = await manage("GET", `/webhooks/endpoints/${id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error).toMatchObject({ code: "webhook_not_found", status: 404 });
    });

    test("a test event honours event_type; deliveries are listed, read and replayed org-wide", async () => {
      const endpoint = (
        await manage("POST", "/webhooks/endpoints", {
          url: `http://127.0.0.1:${receiver.port}/hooks/test`,
          event_types: ["budget.threshold_reached"],
        })
      ).body.data;
      const tested = await manage("POST", `/webhooks/endpoints/${endpoint.id}/test`, {
        event_type: "budget.threshold_reached",
      });
      expect(tested.body.data).toMatchObject({
        event_type: "budget.threshold_reached",
        status: "delivered",
      });
      expect(received.at(-1)).toMatchObject({
        type: "budget.threshold_reached",
        data: { test: true, webhook_id: endpoint.id },
      });
      const plain = await manage("POST", `/webhooks/endpoints/${endpoint.id}/test`);
      expect(plain.body.data.event_type).toBe("webhook.test");
      const unknown = await manage("POST", `/webhooks/endpoints/${endpoint.id}/test`, {
        event_type: "budget.nonsense",
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.fields[0].field).toBe("body.event_type");

      const deliveries = await manage(
        "GET",
        `/webhooks/deliveries?endpoint_id=${endpoint.id}&status=delivered&event_type=budget.threshold_reached`,
      );
      expect(deliveries.body.data.map((item: Json) => item.id)).toEqual([tested.body.data.id]);
      const detail = await manage("GET", `/webhooks/deliveries/${tested.body.data.id}`);
      expect(detail.body.data).toMatchObject({
        webhook_id: endpoint.id,
        payload: { type: "budget.threshold_reached" },
      });
      const replayed = await manage("POST", `/webhooks/deliveries/${tested.body.data.id}/replay`);
      expect(replayed.status).toBe(202);
      expect(replayed.body.data).toMatchObject({
        event_id: tested.body.data.event_id,
        replay_of: tested.body.data.id,
      });
      const missing = await manage("GET", "/webhooks/deliveries/whd_missing");
      expect(missing.body.error).toMatchObject({
        code: "webhook_delivery_not_found",
        status: 404,
        resource: "webhook_delivery",
      });
    });

    test("the event types the concepts page lists, request.anomaly_detected among them", async () => {
      const types = (await manage("GET", "/webhooks/event-types")).body.data.map(
        (item: Json) => item.type,
      );
      for (const type of [
        "budget.threshold_reached",
        "budget.exceeded",
        "routing_config.updated",
        "routing_config.created",
        "routing_config.deleted",
        "provider.health_changed",
        "api_key.revoked",
        "request.anomaly_detected",
        "experiment.completed",
        "experiment.regression_detected",
      ]) {
        expect(types).toContain(type);
      }
    });
  });

  describe("docs/api/overview: errors", () => {
    test("a missing routing config is routing_config_not_found, with resource, id and status", async () => {
      const missing = await manage("GET", "/routing-configs/rc_missing");
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatchObject({
        type: "not_found",
        code: "routing_config_not_found",
        status: 404,
        resource: "routing_config",
        id: "rc_missing",
      });
    });

    test("every error carries a string code and the numeric status", async () => {
      const unauthenticated = await fetch(`${running.controlPlaneUrl}/manage/v1/projects`);
      expect(await unauthenticated.json()).toMatchObject({
        error: { code: "authentication", status: 401 },
      });
      const invalid = await manage("POST", "/projects", { name: "" });
      expect(invalid.body.error).toMatchObject({ code: "invalid_request", status: 400 });
      const unknownPath = await manage("GET", "/nothing-here");
      expect(unknownPath.body.error).toMatchObject({ code: "not_found", status: 404 });
    });
  });

  describe("docs/api/management-providers", () => {
    test("PATCH {api_key} rotates the credential after checking it", async () => {
      const providers = (await manage("GET", "/providers")).body.data as Json[];
      const groq = providers.find((item) => item.name === "groq");
      const rotated = await manage("PATCH", `/providers/${groq.id}`, { api_key: "sk-new" });
      // The simulator takes any credential; the rotation is checked, stored and audited.
      expect(rotated.status).toBe(200);
      expect(rotated.body.data.credential_hint).not.toBe(groq.credential_hint);
      const audit = await manage("GET", `/audit-log?resource_id=${groq.id}`);
      expect(audit.body.data[0].action).toBe("provider.credential_rotated");
    });
  });

  describe("docs MCP tool names", () => {
    test("add_provider (management-providers) is offered and adds a provider", async () => {
      const client = new Client({ name: "contract", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${running.controlPlaneUrl}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${running.seed.managementKey}` } },
        }),
      );
      try {
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        for (const name of [
          "list_providers",
          "get_provider",
          "add_provider",
          "update_provider",
          "delete_provider",
          "update_project",
        ]) {
          expect(names).toContain(name);
        }
        const added = toolResult(
          await client.callTool({
            name: "add_provider",
            arguments: {
              vendor: "openai",
              name: "openai-production",
              api_key: "sk-contract",
              base_url: `${running.simulatorUrl}/v1`,
            },
          }),
        );
        expect(added.isError).toBeFalsy();
        expect(added.body.data).toMatchObject({ vendor: "openai", name: "openai-production" });
      } finally {
        await client.close();
      }
    });
  });
});
