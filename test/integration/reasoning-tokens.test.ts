// Thinking counts reach the OpenAI surface's usage.completion_tokens_details.reasoning_tokens
// (issue 16): Gemini reports thoughtsTokenCount; Anthropic, Bedrock and Cohere report no
// thinking count, so the gateway estimates it from the thinking text. All stay within
// completion_tokens.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type OpenAI from "openai";
import {
  type GatewayHarness,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

describe("reasoning tokens on the OpenAI surface", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;

  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
  });
  afterAll(() => harness.stop());

  for (const vendor of ["anthropic", "google", "bedrock", "cohere"]) {
    test(`${vendor} with thinking, plain: reasoning_tokens > 0`, async () => {
      const answer = await openai.chat.completions.create({
        model: `@${vendor}`,
        messages: [{ role: "user", content: "Think about the sky, then answer." }],
        reasoning_effort: "low",
      });
      const usage = answer.usage;
      expect(usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
      expect(usage?.completion_tokens_details?.reasoning_tokens).toBeLessThan(
        usage?.completion_tokens ?? 0,
      );
    });

    test(`${vendor} with thinking, streamed with include_usage: reasoning_tokens > 0`, async () => {
      const stream = await openai.chat.completions.create({
        model: `@${vendor}`,
        messages: [{ role: "user", content: "Think about the sea, then answer." }],
        reasoning_effort: "low",
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
      expect(usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
      expect(usage?.completion_tokens_details?.reasoning_tokens).toBeLessThan(
        usage?.completion_tokens ?? 0,
      );
    });
  }

  test("without thinking, reasoning_tokens stays 0", async () => {
    const answer = await openai.chat.completions.create({
      model: "@anthropic",
      messages: [{ role: "user", content: "Answer plainly." }],
    });
    expect(answer.usage?.completion_tokens_details?.reasoning_tokens).toBe(0);
  });
});
