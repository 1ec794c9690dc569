// The model lists of both surfaces, read with the official SDKs (issue 16): every answer carries
// X-Modelux-Request-Id, /models included; /anthropic/v1/models lists, in Anthropic's shape and
// pages, the project's configs and the models its providers reach.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
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

  test("Anthropic SDK models.list(): every config and provider model, over every page", async () => {
    const vendors = Object.keys(HARNESS_VENDORS);
    const expected = [
      ...vendors.map((vendor) => `@${vendor}`).sort(),
      ...[...vendors]
        .sort()
        .flatMap((vendor) => catalogModelNames(vendor).map((model) => `${vendor}/${model}`)),
    ];
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
