// Every vendor's credential check passes against the provider simulator (the simulator serves
// each vendor's list endpoint in the vendor's shape), and the check can be skipped explicitly
// (`verify: false`), with the provider then saying it was not verified.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { probeBaseUrl, VENDOR_PROBES } from "../../controlplane/modules/providers/vendor-probes.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { freePort } from "../support/processes.ts";
import { servicesAbsent } from "../support/services.ts";

const BEDROCK_KEY = "AKIASIMULATOR0001::simulator-secret::us-east-1";

/** Each vendor as the embedded default points it at the simulator. */
const vendorsAt = (simulator: string) => [
  { vendor: "openai", base_url: `${simulator}/v1`, api_key: "sk-sim-1", options: {} },
  {
    vendor: "azure",
    base_url: simulator,
    api_key: "azure-sim-1",
    options: { api_version: "2024-10-21" },
  },
  { vendor: "anthropic", base_url: `${simulator}/v1`, api_key: "sk-ant-sim-1", options: {} },
  { vendor: "google", base_url: `${simulator}/v1beta`, api_key: "goog-sim-1", options: {} },
  { vendor: "bedrock", base_url: simulator, api_key: BEDROCK_KEY, options: {} },
  { vendor: "cohere", base_url: `${simulator}/v2`, api_key: "co-sim-1", options: {} },
  { vendor: "openai-compatible", base_url: `${simulator}/v1`, api_key: "sim-1", options: {} },
];

/** What each vendor's list answer must hold, per its API reference. */
const SHAPES: Record<string, (body: Json) => void> = {
  openai: (body) => {
    expect(body.object).toBe("list");
    expect(body.data[0]).toMatchObject({ object: "model", owned_by: expect.any(String) });
  },
  "openai-compatible": (body) => expect(body.object).toBe("list"),
  azure: (body) => {
    expect(body.data[0]).toMatchObject({
      object: "model",
      status: "succeeded",
      lifecycle_status: "generally-available",
      capabilities: { inference: true, chat_completion: true },
      created_at: expect.any(Number),
    });
  },
  anthropic: (body) => {
    expect(body.has_more).toBe(false);
    expect(body.data[0]).toMatchObject({ type: "model", id: expect.stringMatching(/^claude-/) });
  },
  google: (body) => {
    expect(body.models[0].name).toMatch(/^models\/gemini-/);
    expect(body.models[0].supportedGenerationMethods).toContain("generateContent");
  },
  bedrock: (body) => {
    expect(body.modelSummaries[0]).toMatchObject({
      modelArn: expect.stringMatching(/^arn:aws:bedrock:[a-z0-9-]+::foundation-model\//),
      modelId: expect.any(String),
      providerName: expect.any(String),
      inputModalities: ["TEXT"],
      modelLifecycle: { status: "ACTIVE" },
    });
  },
  cohere: (body) => {
    expect(body.models).toHaveLength(1);
    expect(body.models[0]).toMatchObject({ name: expect.any(String), endpoints: ["chat"] });
    expect(body.data).toBeUndefined();
  },
};

describe.skipIf(servicesAbsent)("provider checks for every vendor (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  // Nothing listens here: a check against it fails as unreachable.
  const unreachable = `http://127.0.0.1:${freePort()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  test("the simulator answers each vendor's check request in the vendor's list shape", async () => {
    for (const input of vendorsAt(harness.simulator.url)) {
      const probe = VENDOR_PROBES[input.vendor];
      const base = probeBaseUrl(input.vendor, input.base_url, input.api_key);
      if (!probe || !base) throw new Error(`no probe for ${input.vendor}`);
      const response = await fetch(await probe.request(base, input.api_key, input.options));
      expect({ vendor: input.vendor, status: response.status }).toEqual({
        vendor: input.vendor,
        status: 200,
      });
      SHAPES[input.vendor]?.(await response.json());
    }
  });

  test("a provider of every vendor passes the check against the simulator", async () => {
    for (const input of vendorsAt(harness.simulator.url)) {
      const created = await harness.rest("POST", "/providers", {
        body: { ...input, name: `checked-${input.vendor}` },
      });
      expect({ vendor: input.vendor, status: created.status }).toEqual({
        vendor: input.vendor,
        status: 201,
      });
      expect(created.body.data).toMatchObject({
        verification: "verified",
        verified_at: expect.any(String),
        last_verification: { ok: true, status_code: 200 },
      });
    }
  });

  test("the simulator refuses a check without the vendor's credential", async () => {
    const simulator = harness.simulator.url;
    const unsigned = [
      fetch(`${simulator}/openai/models?api-version=2024-10-21`),
      fetch(`${simulator}/foundation-models`),
      fetch(`${simulator}/v1/models?endpoint=chat`),
    ];
    expect((await Promise.all(unsigned)).map((response) => response.status)).toEqual([
      401, 403, 401,
    ]);
  });

  test("verify: false stores a provider the check cannot reach, and says it was not verified", async () => {
    const body = {
      vendor: "bedrock",
      name: "bedrock-private",
      api_key: BEDROCK_KEY,
      base_url: unreachable,
    };
    const refused = await harness.rest("POST", "/providers", { body });
    expect(refused.status).toBe(422);
    const created = await harness.rest("POST", "/providers", { body: { ...body, verify: false } });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      verification: "skipped",
      verified_at: null,
      last_verification: { ok: false, skipped: true, status_code: null },
    });
    const id = created.body.data.id;
    const health = await harness.rest("GET", `/providers/${id}/health`);
    expect(health.body.data.status).toBe("unknown");
    const fetched = await harness.rest("GET", `/providers/${id}`);
    expect(fetched.body.data.verification).toBe("skipped");

    // The credential's shape is still checked: that needs no network.
    const malformed = await harness.rest("POST", "/providers", {
      body: { ...body, name: "bedrock-bad", api_key: "no-region", verify: false },
    });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain("body.api_key");

    // verify_provider still checks on request, and records the real outcome.
    const checked = await harness.rest("POST", `/providers/${id}/verify`);
    expect(checked.body.data.status).toBe("failing");
    expect((await harness.rest("GET", `/providers/${id}`)).body.data.verification).toBe("failed");
  });

  test("a provider stored with verify: false counts as set up", async () => {
    const key = harness.other.keys.owner;
    const before = await harness.rest("GET", "/setup-status", { key });
    const step = (body: Json) => body.data.steps.find((item: Json) => item.id === "provider");
    expect(step(before.body).done).toBe(false);
    const created = await harness.rest("POST", "/providers", {
      key,
      body: {
        vendor: "cohere",
        name: "cohere-private",
        api_key: "co-private",
        base_url: unreachable,
        verify: false,
      },
    });
    expect(created.status).toBe(201);
    const after = await harness.rest("GET", "/setup-status", { key });
    expect(step(after.body).done).toBe(true);
  });

  test("verify: false on update and rotation skips the check; alone it is refused", async () => {
    const created = await harness.rest("POST", "/providers", {
      body: {
        vendor: "openai",
        name: "openai-moving",
        api_key: "sk-sim-2",
        base_url: `${harness.simulator.url}/v1`,
      },
    });
    expect(created.body.data.verification).toBe("verified");
    const id = created.body.data.id;

    const moved = await harness.rest("PATCH", `/providers/${id}`, {
      body: { base_url: `${unreachable}/v1` },
    });
    expect(moved.status).toBe(422);
    const skipped = await harness.rest("PATCH", `/providers/${id}`, {
      body: { base_url: `${unreachable}/v1`, verify: false },
    });
    expect(skipped.status).toBe(200);
    expect(skipped.body.data).toMatchObject({
      base_url: `${unreachable}/v1`,
      verification: "skipped",
      verified_at: null,
    });

    const alone = await harness.rest("PATCH", `/providers/${id}`, {
      body: { name: "openai-renamed", verify: false },
    });
    expect(alone.status).toBe(400);
    expect(JSON.stringify(alone.body)).toContain("body.verify");

    const rotated = await harness.rest("POST", `/providers/${id}/rotate-credential`, {
      body: { api_key: "sk-sim-rotated-0003", verify: false },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data).toMatchObject({ credential_hint: "…0003", verification: "skipped" });
    const refused = await harness.rest("POST", `/providers/${id}/rotate-credential`, {
      body: { api_key: "sk-sim-4" },
    });
    expect(refused.status).toBe(422);
  });

  test("verify is declared in the OpenAPI document and the MCP tools", async () => {
    const document = await (await fetch(`${harness.url}/manage/v1/openapi.json`)).json();
    const text = JSON.stringify(document);
    expect(text).toContain("verify: false");
    const client = await harness.mcp();
    try {
      const { tools } = await client.listTools();
      for (const name of ["create_provider", "update_provider", "rotate_provider_credential"]) {
        const tool = tools.find((item) => item.name === name);
        expect(JSON.stringify(tool?.inputSchema)).toContain('"verify"');
      }
    } finally {
      await client.close();
    }
  });
});
