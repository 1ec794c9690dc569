// Embeddings and token counting: served by upstreams of the caller's own shape, answered as the
// provider wrote them; where no such upstream exists, token counts are estimated and say so.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import {
  anthropicClient,
  type GatewayHarness,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

describe("passthrough endpoints", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterAll(() => harness.stop());

  test("embeddings through the OpenAI SDK, by provider/model", async () => {
    const { data, response } = await openai.embeddings
      .create({
        model: "openai/text-embedding-3-small",
        input: ["first", "second"],
        dimensions: 64,
      })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]?.embedding).toHaveLength(64);
    expect(response.headers.get("x-modelux-provider-used")).toBe("openai");
  });

  test("embeddings from a vendor without them are a clean 400", async () => {
    const error = await openai.embeddings.create({ model: "@cohere", input: "x" }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });

  test("count_tokens reaches Anthropic and returns its count", async () => {
    const params = {
      model: "@anthropic",
      messages: [{ role: "user" as const, content: "How many tokens is this?" }],
    };
    const { data, response } = await anthropic.messages.countTokens(params).withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-modelux-estimated")).toBeNull();
    const created = await anthropic.messages.create({ ...params, max_tokens: 16 });
    // The simulator counts the same way for both endpoints, as Anthropic does.
    expect(created.usage.input_tokens).toBe(data.input_tokens);
  });

  test("count_tokens for a model behind another vendor is an estimate, marked as such", async () => {
    const { data, response } = await anthropic.messages
      .countTokens({ model: "@google", messages: [{ role: "user", content: "a".repeat(400) }] })
      .withResponse();
    expect(data.input_tokens).toBe(100);
    expect(response.headers.get("x-modelux-estimated")).toBe("true");
  });
});
