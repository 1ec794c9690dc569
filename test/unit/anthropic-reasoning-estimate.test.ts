// Anthropic reports no thinking count: the reasoning tokens are estimated from the thinking text
// (four characters a token), a part of output_tokens, so a request's cost does not change.
import { describe, expect, test } from "bun:test";
import type { ModelPrice } from "#shared/pricing/catalog.ts";
import { costUsd } from "#shared/pricing/cost.ts";
import { convertAnthropicUsage } from "../../dataplane/wire/anthropic/usage.ts";

const price: ModelPrice = {
  input: 3e-6,
  output: 15e-6,
  cacheRead: 3e-7,
  cacheWrite: 3.75e-6,
  reasoning: 15e-6,
  batchInput: 1.5e-6,
  batchOutput: 7.5e-6,
};

describe("Anthropic reasoning estimate", () => {
  test("thinking text at four characters a token", () => {
    const usage = convertAnthropicUsage({ input_tokens: 10, output_tokens: 200 }, [
      "a".repeat(401),
    ]);
    expect(usage.reasoningTokens).toBe(101);
    expect(usage.outputTokens).toBe(200);
  });

  test("never above output_tokens", () => {
    const usage = convertAnthropicUsage({ input_tokens: 10, output_tokens: 50 }, ["a".repeat(400)]);
    expect(usage.reasoningTokens).toBe(50);
  });

  test("a reported thinking count wins over the estimate", () => {
    const usage = convertAnthropicUsage(
      { input_tokens: 10, output_tokens: 200, output_tokens_details: { thinking_tokens: 7 } },
      ["a".repeat(400)],
    );
    expect(usage.reasoningTokens).toBe(7);
  });

  test("the cost is that of the output tokens alone: reasoning is not billed twice", () => {
    const withThinking = convertAnthropicUsage({ input_tokens: 10, output_tokens: 200 }, [
      "a".repeat(400),
    ]);
    const without = convertAnthropicUsage({ input_tokens: 10, output_tokens: 200 });
    expect(costUsd(withThinking, price)).toBeCloseTo(costUsd(without, price), 12);
    expect(costUsd(withThinking, price)).toBeCloseTo(10 * price.input + 200 * price.output, 12);
  });
});
