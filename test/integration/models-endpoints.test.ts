// The model lists of both surfaces, read with the official SDKs (issue 16): every answer carries
// X-Modelux-Request-Id, /models included; /openai/v1/models (one page, OpenAI's shape) and
// /anthropic/v1/models (Anthropic's shape and pages) list the same models: the project's configs
// and the models its providers reach; /models/{id} reads one on both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { catalogModelNames } from "#shared/pricing/catalog.ts";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_KEY,
  HARNESS_VENDORS,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The harness project's configs (`@vendor`, sorted), then each provider's catalog models. */
function expectedIds(): string[] {
  const vendors = Object.keys(HARNESS_VENDORS);
  return [
    ...vendors.map((vendor) => `@${vendor}`).sort(),
    ...[...vendors]
      .sort()
      .flatMap((vendor) => catalogModelNames(vendor).map((model) => `${vendor}/${model}`)),
  ];
}

describe("model lists", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterAll(() => harness.stop());

  test("every answer carries X-Modelux-Request-Id, /openai/v1/models included", async () => {
    const models = await openai.models.list().withResponse();
    expect(models.response.headers.get("x-modelux-request-id")).toMatch(REQUEST_ID);
    expect(models.data.data.map((model) => model.id)).toContain("@openai");
    const embeddings = await openai.embeddings
      .create({ model: "openai/text-embedding-3-small", input: "hi" })
      .withResponse();
    expect(embeddings.response.headers.get("x-modelux-request-id")).toMatch(REQUEST_ID);
    const counted = await anthropic.messages
      .countTokens({ model: "@anthropic", messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    expect(counted.response.headers.get("x-modelux-request-id")).toMatch(REQUEST_ID);
  });

  test("OpenAI SDK models.list(): every config and provider model, in OpenAI's shape", async () => {
    const { data: page, response } = await openai.models.list().withResponse();
    expect(response.headers.get("x-modelux-request-id")).toMatch(REQUEST_ID);
    const listed: OpenAI.Model[] = [];
    for await (const model of page) listed.push(model);
    expect(listed.map((model) => model.id)).toEqual(expectedIds());
    const created = listed[0]?.created ?? 0;
    expect(Number.isInteger(created) && created > 1_600_000_000).toBe(true);
    for (const model of listed) {
      expect(Object.keys(model).sort()).toEqual(["created", "id", "object", "owned_by"]);
      expect(model.object).toBe("model");
      expect(model.created).toBe(created);
    }
    const byId = new Map(listed.map((model) => [model.id, model]));
    expect(byId.get("@openai")?.owned_by).toBe("modelux");
    expect(byId.get("anthropic/claude-sonnet-4-5")?.owned_by).toBe("anthropic");
    expect(byId.get(`groq/${HARNESS_VENDORS.groq?.model}`)?.owned_by).toBe("groq");
  });

  test("both surfaces list the same models", async () => {
    const fromOpenAi: string[] = [];
    for await (const model of openai.models.list()) fromOpenAi.push(model.id);
    const fromAnthropic: string[] = [];
    for await (const model of anthropic.models.list()) fromAnthropic.push(model.id);
    expect(fromOpenAi).toEqual(fromAnthropic);
  });

  test("OpenAI SDK models.retrieve(): a config, a provider model, and a 404", async () => {
    const { data, response } = await openai.models
      .retrieve("anthropic/claude-sonnet-4-5")
      .withResponse();
    expect(data).toEqual({
      id: "anthropic/claude-sonnet-4-5",
      object: "model",
      created: expect.any(Number),
      owned_by: "anthropic",
    });
    expect(response.headers.get("x-modelux-request-id")).toMatch(REQUEST_ID);
    expect(await openai.models.retrieve("@google")).toMatchObject({
      id: "@google",
      owned_by: "modelux",
    });
    // Unencoded, as curl users write it.
    const plain = await fetch(`${harness.baseUrl}/openai/v1/models/google/gemini-2.5-flash`, {
      headers: { authorization: `Bearer ${HARNESS_KEY}` },
    });
    expect(((await plain.json()) as { id: string }).id).toBe("google/gemini-2.5-flash");
    const missing = await openai.models.retrieve("nowhere/none").catch((error) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.error).toMatchObject({ type: "not_found_error", param: "model" });
    expect(missing.headers.get("x-modelux-request-id")).toMatch(REQUEST_ID);
  });

  test("OpenAI surface: a bad key or a query parameter are errors in OpenAI's shape", async () => {
    const stranger = new OpenAI({
      baseURL: `${harness.baseUrl}/openai/v1`,
      apiKey: "mlx_sk_notakeynotakeynotakey",
      maxRetries: 0,
    });
    expect(await stranger.models.list().catch((error) => error)).toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    expect(await stranger.models.retrieve("@openai").catch((error) => error)).toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const response = await fetch(`${harness.baseUrl}/openai/v1/models?limit=5`, {
      headers: { authorization: `Bearer ${HARNESS_KEY}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", param: "limit" },
    });
  });

  test("Anthropic SDK models.list(): every config and provider model, over every page", async () => {
    const expected = expectedIds();
    const listed: Anthropic.ModelInfo[] = [];
    for await (const model of anthropic.models.list()) listed.push(model);
    expect(listed.map((model) => model.id)).toEqual(expected);
    expect(listed.length).toBeGreaterThan(20); // more than one default page
    for (const model of listed) {
      expect(model.type).toBe("model");
      expect(model.display_name).toBe(model.id);
      expect(Number.isNaN(Date.parse(model.created_at))).toBe(false);
    }
    expect(listed.map((model) => model.id)).toContain("anthropic/claude-sonnet-4-5");
  });

  test("pages: limit, first_id/last_id, has_more, after_id and before_id", async () => {
    const first = await anthropic.models.list({ limit: 3 });
    expect(first.data.map((model) => model.id)).toEqual(["@anthropic", "@azure", "@bedrock"]);
    expect(first.has_more).toBe(true);
    expect(first.first_id).toBe("@anthropic");
    expect(first.last_id).toBe("@bedrock");
    const second = await anthropic.models.list({ limit: 3, after_id: "@bedrock" });
    expect(second.data.map((model) => model.id)).toEqual(["@cohere", "@google", "@groq"]);
    const back = await anthropic.models.list({ limit: 3, before_id: "@cohere" });
    expect(back.data.map((model) => model.id)).toEqual(["@anthropic", "@azure", "@bedrock"]);
    expect(back.has_more).toBe(false);
  });

  test("Anthropic SDK models.retrieve(): a config, a provider model, and a 404", async () => {
    const { data, response } = await anthropic.models
      .retrieve("anthropic/claude-sonnet-4-5")
      .withResponse();
    expect(data).toMatchObject({ type: "model", id: "anthropic/claude-sonnet-4-5" });
    expect(response.headers.get("x-modelux-request-id")).toMatch(REQUEST_ID);
    expect((await anthropic.models.retrieve("@google")).id).toBe("@google");
    const missing = await anthropic.models.retrieve("nowhere/none").catch((error) => error);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing.error.error.type).toBe("not_found_error");
  });

  test("a bad key, an unknown query parameter or limit: errors in Anthropic's shape", async () => {
    const stranger = new Anthropic({
      baseURL: `${harness.baseUrl}/anthropic`,
      apiKey: "mlx_sk_notakeynotakeynotakey",
      maxRetries: 0,
    });
    expect(await stranger.models.list().catch((error) => error)).toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    const headers = { "x-api-key": HARNESS_KEY };
    for (const query of ["order=asc", "limit=0", "limit=1001", "after_id=nowhere"]) {
      const response = await fetch(`${harness.baseUrl}/anthropic/v1/models?${query}`, { headers });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { type: string; error: { type: string } };
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("invalid_request_error");
    }
  });
});
