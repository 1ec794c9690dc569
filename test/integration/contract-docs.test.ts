// The published modelux contract (issue 22, docs/compatibility.md): the examples of modelux.ai's
// documentation pages, translated from curl/Python/TypeScript into requests, driven against the
// embedded default (`bun run dev`) as a user following the docs would. Where our design differs,
// the documented form is an alias of ours; each test names the page it follows.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import OpenAI from "openai";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { type RunningEmbedded, startEmbedded } from "../../embedded/start.ts";
import { type Json, toolResult } from "../support/management.ts";
import { freePort } from "../support/processes.ts";
import { waitUntil } from "../support/wait.ts";

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

  describe("docs/api/management-providers: add a provider", () => {
    test("the documented body, base_url null, with a slug for name", async () => {
      const added = await manage("POST", "/providers", {
        vendor: "openai",
        name: "openai-docs",
        api_key: "sk-docs",
        base_url: null,
        // The documented body checks the key at api.openai.com; the suite has no network.
        verify: false,
      });
      expect(added.status).toBe(201);
      expect(added.body.data).toMatchObject({ vendor: "openai", base_url: null });
      const displayName = await manage("POST", "/providers", {
        vendor: "openai",
        name: "OpenAI Production",
        api_key: "sk-docs",
        verify: false,
      });
      expect(displayName.body.error.fields[0].field).toBe("body.name");
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
  /** `curl https://api.modelux.ai/openai/v1/chat/completions` with the proxy key. */
  async function chat(path: string, body: Json, headers: Record<string, string> = {}) {
    const response = await fetch(`${running.dataPlaneUrl}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${running.seed.proxyKey}`,
        "content-type": "application/json",
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Json,
    };
  }

  describe("docs/concepts/sessions and docs/api/management-analytics: finding requests", () => {
    test("logs filter by trace and conversation id (headers or metadata), status and JSON tags", async () => {
      const hi = [{ role: "user", content: "Hi" }];
      const byHeaders = await chat(
        "/openai/v1/chat/completions",
        { model: "gpt-4o-mini", messages: hi, "mlx:tags": { tenant: "acme" } },
        { "X-Modelux-Conversation-Id": "chat-42", "X-Modelux-Trace-Id": "turn-17" },
      );
      expect(byHeaders.status).toBe(200);
      const byMetadata = await chat("/openai/v1/chat/completions", {
        model: "gpt-4o-mini",
        messages: hi,
        metadata: { conversation_id: "chat-42", trace_id: "turn-18" },
      });
      expect(byMetadata.status).toBe(200);
      const refused = await chat("/openai/v1/chat/completions", { model: "@nope", messages: hi });
      expect(refused.status).toBe(404);
      const ids = (answer: { headers: Headers }) => answer.headers.get("x-modelux-request-id");

      const conversation = await waitUntil(
        async () => {
          const page = await manage("GET", "/logs?conversation_id=chat-42");
          return page.body.data?.length === 2 ? page.body.data : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(conversation.map((row: Json) => row.request_id).sort()).toEqual(
        [ids(byHeaders), ids(byMetadata)].sort(),
      );
      const trace = await manage("GET", "/logs?trace_id=turn-17");
      expect(trace.body.data.map((row: Json) => row.request_id)).toEqual([ids(byHeaders)]);
      const tagged = await manage("GET", `/logs?tags=${encodeURIComponent('{"tenant":"acme"}')}`);
      expect(tagged.body.data.map((row: Json) => row.request_id)).toEqual([ids(byHeaders)]);

      await waitUntil(
        async () => {
          const page = await manage("GET", "/logs?status=4xx");
          return page.body.data?.some((row: Json) => row.request_id === ids(refused));
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      const ok = await manage("GET", "/logs?status=2xx&conversation_id=chat-42");
      expect(ok.body.data).toHaveLength(2);
      const exact = await manage("GET", "/logs?status=404");
      expect(exact.body.data.map((row: Json) => row.request_id)).toEqual([ids(refused)]);
      expect((await manage("GET", "/logs?status=5xx&conversation_id=chat-42")).body.data).toEqual(
        [],
      );
      const both = await manage("GET", "/logs?status=5xx&status_class=5xx");
      expect(both.status).toBe(400);
      expect((await manage("GET", "/logs?status=6xx")).body.error.fields[0].field).toBe(
        "query.status",
      );
      expect((await manage("GET", "/logs?tags=%7B%22a%22%3A1%7D")).status).toBe(400);
    });
  });

  describe("docs/guides/cost-optimization and docs/guides/ab-testing: configs as written there", () => {
    test('cost_optimized with quality_tier "standard" saves as medium and serves', async () => {
      const saved = await manage("POST", "/routing-configs", {
        project_id: running.seed.projectId,
        slug: "cheap",
        config: {
          strategy: "cost_optimized",
          quality_tier: "standard",
          allowed_models: ["gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash"],
        },
      });
      expect(saved.status).toBe(201);
      expect(saved.body.data.config.quality_tier).toBe("medium");
      await waitUntil(
        async () =>
          (
            await chat("/openai/v1/chat/completions", {
              model: "@cheap",
              messages: [{ role: "user", content: "Hi" }],
            })
          ).status === 200,
        { timeoutMs: 10_000 },
      );
    });

    test("an ab_test without sticky saves (a per-request split) and serves", async () => {
      await manage("POST", "/routing-configs", {
        project_id: running.seed.projectId,
        slug: "production-candidate",
        config: { strategy: "single", model: "claude-haiku-4-5" },
      });
      const saved = await manage("POST", "/routing-configs", {
        project_id: running.seed.projectId,
        slug: "experiment",
        config: {
          strategy: "ab_test",
          variants: [
            { weight: 80, config: "@default" },
            { weight: 20, config: "@production-candidate" },
          ],
        },
      });
      expect(saved.status).toBe(201);
      expect(saved.body.data.config.sticky).toBe("request");
      await waitUntil(
        async () =>
          (
            await chat("/openai/v1/chat/completions", {
              model: "@experiment",
              messages: [{ role: "user", content: "Hi" }],
            })
          ).status === 200,
        { timeoutMs: 10_000 },
      );
    });
  });

  describe("docs/guides/experiments", () => {
    test("the routing-only example, camelCase and candidatePolicy as the guide writes it", async () => {
      const openai = ((await manage("GET", "/providers")).body.data as Json[]).find(
        (item) => item.name === "openai",
      );
      const now = Date.now();
      const created = await manage("POST", "/experiments", {
        name: "switch to gpt-4o-mini",
        projectId: running.seed.projectId,
        candidatePolicy: "single",
        candidateConfig: { model: "gpt-4o-mini", provider_credential_id: openai.id },
        windowStart: new Date(now - 7 * 86_400_000).toISOString(),
        windowEnd: new Date(now).toISOString(),
      });
      expect(created.status).toBe(202);
      expect(created.body.data).toMatchObject({
        project_id: running.seed.projectId,
        baseline_config: "default",
        candidate_config: { strategy: "single", model: "gpt-4o-mini", provider: "openai" },
      });
      const finished = await waitUntil(
        async () => {
          const experiment = await manage("GET", `/experiments/${created.body.data.id}`);
          return experiment.body.data.status === "completed" ? experiment.body.data : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(finished.baseline_summary).not.toBeNull();
      expect(finished.candidate_summary).not.toBeNull();

      const unknownProvider = await manage("POST", "/experiments", {
        name: "x",
        projectId: running.seed.projectId,
        candidatePolicy: "single",
        candidateConfig: { model: "gpt-4o-mini", provider_credential_id: "prov_missing" },
        windowStart: new Date(now - 86_400_000).toISOString(),
        windowEnd: new Date(now).toISOString(),
      });
      expect(unknownProvider.body.error.fields[0].field).toBe(
        "body.candidate_config.provider_credential_id",
      );
    });
  });

  describe("docs/guides/scheduled-experiments, experiment-success-criteria, concepts/webhooks", () => {
    test("the guide's create example at /scheduled_experiments, run, history, experiment.completed", async () => {
      const openai = ((await manage("GET", "/providers")).body.data as Json[]).find(
        (item) => item.name === "openai",
      );
      const hook = await manage("POST", "/webhooks/endpoints", {
        url: `http://127.0.0.1:${receiver.port}/hooks/scheduled`,
        event_types: ["experiment.completed", "experiment.regression_detected"],
      });
      expect(hook.status).toBe(201);
      // The guide's body; its predicates are the success-criteria page's (the guide's own list
      // was not legible past its first key).
      const created = await manage("POST", "/scheduled_experiments", {
        projectId: running.seed.projectId,
        name: "daily gpt-4o-mini regression check",
        candidatePolicy: "single",
        candidateConfig: { model: "gpt-4o-mini", provider_credential_id: openai.id },
        cronExpression: "0 9 * * *",
        windowHours: 24,
        mode: "routing_only",
        hypothesis:
          "My current routing stays within its established cost, latency, and error baselines.",
        successCriteria: {
          logic: "and",
          min_sample_size: 100,
          predicates: [
            { metric: "cost_delta_pct", op: "lte", value: -20 },
            { metric: "error_rate_delta_pct", op: "lte", value: 5 },
            {
              metric: "similarity_pct_above_threshold",
              op: "gte",
              value: 80,
              params: { threshold: 0.9 },
            },
            { metric: "judge_worse_pct_upper_ci", op: "lte", value: 10 },
          ],
        },
      });
      expect(created.status).toBe(201);
      const schedule = created.body.data;
      expect(schedule).toMatchObject({
        project_id: running.seed.projectId,
        baseline_config: "default",
        candidate_config: { strategy: "single", model: "gpt-4o-mini", provider: "openai" },
        cron_expression: "0 9 * * *",
        window_hours: 24,
        status: "active",
      });
      const next = new Date(schedule.next_run_at);
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([9, 0]);
      const item = `/scheduled_experiments/${schedule.id}`;
      expect((await manage("GET", "/scheduled_experiments")).body.data[0].id).toBe(schedule.id);
      expect((await manage("GET", item)).body.data.hypothesis).toContain("established cost");

      const queued = await manage("POST", `${item}/run`);
      expect(queued.status).toBe(202);
      const run = await waitUntil(
        async () => {
          const listed = await manage("GET", `${item}/runs`);
          const latest = listed.body.data[0];
          return latest?.status === "completed" ? latest : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(run.id).toBe(queued.body.data.id);
      expect(run.window_end).toBe(queued.body.data.window_end);
      // routing_only measures cost and errors, not similarity or a judge: no pass without them.
      expect(["fail", "inconclusive"]).toContain(run.verdict);
      const completed = await waitUntil(
        () =>
          received.find(
            (event) => event.type === "experiment.completed" && event.data.run?.id === run.id,
          ),
        { timeoutMs: 10_000 },
      );
      expect(completed.data).toMatchObject({
        verdict: run.verdict,
        scheduled_experiment: { id: schedule.id },
        experiment: { id: run.experiment_id },
      });

      const paused = await manage("POST", `${item}/pause`);
      expect(paused.body.data).toMatchObject({ status: "paused", next_run_at: null });
      expect((await manage("PATCH", item, { windowHours: 48 })).body.data.window_hours).toBe(48);
      expect((await manage("DELETE", item)).body.data).toEqual({ id: schedule.id, deleted: true });
      await manage("DELETE", `/webhooks/endpoints/${hook.body.data.id}`);
    });
  });

  describe("openapi-proxy.yaml and the SDKs' default base URL", () => {
    test("POST /openai/v1/dry-run answers the decision without calling upstream", async () => {
      const dry = await chat("/openai/v1/dry-run", {
        model: "@default",
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(dry.status).toBe(200);
      expect(dry.body.object).toBe("modelux.dry_run");
      expect(dry.body.would_serve).not.toBeNull();
      expect(dry.headers.get("x-modelux-dry-run")).toBe("true");
    });

    test("/v1 is the OpenAI surface; a bare model name's trace says resolved: auto", async () => {
      const client = new OpenAI({
        baseURL: `${running.dataPlaneUrl}/v1`,
        apiKey: running.seed.proxyKey,
        maxRetries: 0,
      });
      const completion = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Hi" }],
        // @ts-expect-error modelux's extension field
        "mlx:trace": true,
      });
      expect(completion.choices[0]?.message.content).toBeTruthy();
      const models = await client.models.list();
      expect(models.data.length).toBeGreaterThan(0);
      const traced = await chat("/v1/chat/completions", {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Hi" }],
        "mlx:trace": true,
      });
      expect(traced.body["mlx:trace"].resolved).toBe("auto");
      const unknown = await fetch(`${running.dataPlaneUrl}/v1/nothing`, {
        headers: { authorization: `Bearer ${running.seed.proxyKey}` },
      });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as Json).error.type).toBeString();
    });
  });
  describe("solutions/coding-agents and openapi.yaml's base path", () => {
    test("an Anthropic client with ANTHROPIC_BASE_URL at /v1 reaches the Anthropic surface", async () => {
      const client = new Anthropic({
        baseURL: `${running.dataPlaneUrl}/v1`,
        apiKey: running.seed.proxyKey,
        maxRetries: 0,
      });
      const message = await client.messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 20,
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(message.type).toBe("message");
      expect(message.content.length).toBeGreaterThan(0);
    });

    test("the Management API answers under /api/manage/v1 too", async () => {
      const response = await fetch(`${running.controlPlaneUrl}/api/manage/v1/projects`, {
        headers: { authorization: `Bearer ${running.seed.managementKey}` },
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Json;
      expect(body.data.map((project: Json) => project.id)).toContain(running.seed.projectId);
    });
  });

  describe("the modelux-node SDK's integration tests (tests/integration.test.ts), as the SDK calls", () => {
    // @modelux/sdk is not on npm: its client is the openai package with these options and
    // headers, and its metadata is these response headers (src/client.ts, extractMetadata).
    const sdk = (apiKey: string) =>
      new OpenAI({
        apiKey,
        baseURL: `${running.dataPlaneUrl}/v1`,
        timeout: 60_000,
        maxRetries: 0,
        defaultHeaders: { "X-Modelux-SDK": "typescript/0.1.0" },
      });
    const metadataOf = (headers: Headers) => ({
      request_id: headers.get("x-modelux-request-id") ?? "",
      provider_used: headers.get("x-modelux-provider-used") ?? "",
      model_used: headers.get("x-modelux-model-used") ?? "",
      cache_hit: headers.get("x-modelux-cache") === "HIT",
    });
    const model = "@default";

    test("non-streaming completion returns content and metadata", async () => {
      const { data, response } = await sdk(running.seed.proxyKey)
        .chat.completions.create({
          model,
          messages: [{ role: "user", content: "Say hello in exactly 3 words" }],
          max_tokens: 20,
          stream: false,
        })
        .withResponse();
      expect(data.choices.length).toBeGreaterThan(0);
      expect(data.choices[0]?.message.content).toBeTruthy();
      const metadata = metadataOf(response.headers);
      expect(metadata.request_id).toBeTruthy();
      expect(metadata.provider_used).toBeTruthy();
      expect(metadata.model_used).toBeTruthy();
      expect(typeof metadata.cache_hit).toBe("boolean");
    });

    test("streaming completion delivers chunks and metadata", async () => {
      const { data: stream, response } = await sdk(running.seed.proxyKey)
        .chat.completions.create({
          model,
          messages: [{ role: "user", content: "Count from 1 to 3" }],
          max_tokens: 30,
          stream: true,
        })
        .withResponse();
      const metadata = metadataOf(response.headers);
      expect(metadata.request_id).toBeTruthy();
      expect(metadata.provider_used).toBeTruthy();
      expect(metadata.model_used).toBeTruthy();
      const chunks: string[] = [];
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) chunks.push(delta);
      }
      expect(chunks.join("").length).toBeGreaterThan(0);
    });

    test("its parameters (userId, tags, traceId, noCache) are accepted; noCache is a miss", async () => {
      const { data, response } = await sdk(running.seed.proxyKey)
        .chat.completions.create(
          { model, messages: [{ role: "user", content: "Say ok" }], max_tokens: 5, stream: false },
          {
            headers: {
              "X-Modelux-User-Id": "integration-test-user",
              "X-Modelux-User-Tags": "source=integration_test,tier=test",
              "X-Modelux-Trace-Id": "integration-trace-001",
              "Cache-Control": "no-cache",
            },
          },
        )
        .withResponse();
      expect(data.choices[0]?.message.content).toBeTruthy();
      expect(metadataOf(response.headers).cache_hit).toBe(false);
    });

    test("an invalid API key is refused", async () => {
      const refused = await sdk("mlx_sk_invalid")
        .chat.completions.create({
          model,
          messages: [{ role: "user", content: "hi" }],
          max_tokens: 5,
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(refused).toBeInstanceOf(OpenAI.APIError);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    });
  });
});
