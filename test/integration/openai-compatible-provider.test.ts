// A generic OpenAI-compatible host (vLLM, Ollama, LM Studio, …) added through the Management API
// with its own base_url serves through the data plane: chat plain and streamed, and embeddings,
// addressed as `<provider name>/<model>`, with the official OpenAI SDK. It was accepted by the
// Management API but had no adapter, so every request through it was a 502 "vendor not supported".
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { compileSnapshotBody } from "../../controlplane/publisher/compile-snapshot.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { adapterFor } from "../../dataplane/providers/registry.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import {
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("an openai-compatible provider (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let dataPlane: ReturnType<typeof Bun.serve>;
  let client: OpenAI;

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
  });
  afterAll(async () => {
    dataPlane?.stop(true);
    await harness?.stop();
    await database?.drop();
  });

  test("creation without base_url is refused with a 400 naming base_url, checked or not", async () => {
    for (const verify of [true, false]) {
      const refused = await harness.rest("POST", "/providers", {
        body: { vendor: "openai-compatible", name: `nowhere-${verify}`, api_key: "k", verify },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.fields).toEqual([
        { field: "body.base_url", message: expect.stringContaining("required") },
      ]);
    }
    const listed = await harness.rest("GET", "/providers");
    expect(listed.body.data).toEqual([]);
  });

  test("created with a base_url, it serves chat (plain and streamed) and embeddings", async () => {
    const created = await harness.rest("POST", "/providers", {
      body: {
        vendor: "openai-compatible",
        name: "local-llm",
        api_key: "sim-local",
        base_url: `${harness.simulator.url}/v1`,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.data.verification).toBe("verified");
    const key = await harness.rest("POST", "/api-keys", {
      body: { project_id: harness.org.projectId, name: "local" },
    });
    expect(key.status).toBe(201);

    // The data plane loads what the control plane compiles from the database.
    const loader = new SnapshotLoader({ secretBox: testSecretBox });
    const applied = loader.apply(sealSnapshot(1, await compileSnapshotBody(database.handle.db)));
    expect(applied.applied).toBe(true);
    const context = createDataPlaneContext({ nodeId: "compatible", loader });
    dataPlane = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: createDataPlaneApp(context).fetch,
    });
    client = new OpenAI({
      baseURL: `http://127.0.0.1:${dataPlane.port}/openai/v1`,
      apiKey: key.body.data.key,
      maxRetries: 0,
    });

    const plain = await client.chat.completions.create({
      model: "local-llm/gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(plain.choices[0]?.message.content).toEqual(expect.any(String));
    expect(plain.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(plain.usage?.completion_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      model: "local-llm/gpt-4o-mini",
      messages: [{ role: "user", content: "Hello" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const embedded = await client.embeddings.create({
      model: "local-llm/text-embedding-3-small",
      input: ["one", "two"],
    });
    expect(embedded.data).toHaveLength(2);
    expect(embedded.data[0]?.embedding.length).toBeGreaterThan(0);
  });

  test("an org may price its models itself with a price override", async () => {
    const created = await harness.rest("POST", "/price-overrides", {
      body: {
        vendor: "openai-compatible",
        model: "llama-3.1-8b-instruct",
        input_usd_per_mtok: 0,
        output_usd_per_mtok: 0,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ vendor: "openai-compatible", input_usd_per_mtok: 0 });
  });

  test("its models have no catalog price: the unknown-model rule prices them, marked unknown", () => {
    const info = lookupModel("openai-compatible", "llama-3.1-8b-instruct");
    expect(info).toMatchObject({ known: false, priceSource: "unknown-rule" });
    // Errs high, as for any unknown model: never free.
    expect(info.price.input).toBeGreaterThan(0);
    expect(info.price.output).toBeGreaterThan(0);
  });

  test("a provider stored without base_url (before it was required) fails in the closed set", async () => {
    const passthrough = adapterFor("openai-compatible")?.buildPassthrough;
    if (!passthrough) throw new Error("no openai-compatible fast path");
    const provider = {
      id: "prv_x",
      orgId: "org_x",
      name: "old-local",
      vendor: "openai-compatible",
      baseUrl: null,
      credential: "k",
      options: {},
    };
    const built = passthrough("{}", false, { provider, model: "m" }, {});
    await expect(built).rejects.toBeInstanceOf(GatewayError);
    await expect(built).rejects.toThrow('"old-local" has no base_url');
    const at = await passthrough(
      "{}",
      false,
      { provider: { ...provider, baseUrl: "http://127.0.0.1:9/v1" }, model: "m" },
      {},
    );
    expect(at.url).toBe("http://127.0.0.1:9/v1/chat/completions");
  });
});
