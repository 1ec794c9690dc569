// The model lists of both surfaces, read with the official SDKs (issue 16): every answer carries
// X-Modelux-Request-Id, /models included.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import {
  anthropicClient,
  type GatewayHarness,
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
});
