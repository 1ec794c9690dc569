// Cost from canonical usage: cached input and reasoning output are parts of the totals and are
// billed once, each at its own rate.
import { describe, expect, test } from "bun:test";
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { lookupModel, type ModelPrice } from "#shared/pricing/catalog.ts";
import { costUsd, estimateCostUsd, roundUsd } from "#shared/pricing/cost.ts";

const price: ModelPrice = {
  input: 1e-6,
  output: 4e-6,
  cacheRead: 1e-7,
  cacheWrite: 1.25e-6,
  reasoning: 5e-6,
  batchInput: null,
  batchOutput: null,
};

const usage = (parts: Partial<CanonicalUsage>): CanonicalUsage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  ...parts,
});

describe("costUsd", () => {
  test("bills uncached input, cache reads, cache writes, visible output and reasoning apart", () => {
    const cost = costUsd(
      usage({
        inputTokens: 1000,
        cacheReadTokens: 200,
        cacheWriteTokens: 100,
        outputTokens: 500,
        reasoningTokens: 300,
      }),
      price,
    );
    // 700 × 1e-6 + 200 × 1e-7 + 100 × 1.25e-6 + 200 × 4e-6 + 300 × 5e-6
    //   = 0.0007 + 0.00002 + 0.000125 + 0.0008 + 0.0015 = 0.003145
    expect(cost).toBeCloseTo(0.003145, 15);
    expect(roundUsd(cost)).toBe(0.003145);
  });

  test("a real model: Claude 3.5 Sonnet with cache hits and thinking", () => {
    const sonnet = lookupModel("anthropic", "claude-3-5-sonnet-20241022").price;
    const cost = costUsd(
      usage({
        inputTokens: 10_000,
        cacheReadTokens: 8_000,
        cacheWriteTokens: 1_000,
        outputTokens: 2_000,
        reasoningTokens: 1_500,
      }),
      sonnet,
    );
    // 1,000 × $3/M + 8,000 × $0.30/M + 1,000 × $3.75/M + 2,000 × $15/M (reasoning at output)
    //   = 0.003 + 0.0024 + 0.00375 + 0.03 = 0.03915
    expect(roundUsd(cost)).toBe(0.03915);
  });

  test("plain usage is input × input price + output × output price", () => {
    const cost = costUsd(usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 }), price);
    expect(roundUsd(cost)).toBe(5);
  });

  test("inconsistent counts clamp to zero instead of going negative", () => {
    const cost = costUsd(
      usage({ inputTokens: 10, cacheReadTokens: 50, outputTokens: 5, reasoningTokens: 20 }),
      price,
    );
    // Uncached input and visible output clamp to 0: 50 × 1e-7 + 20 × 5e-6 = 0.000105
    expect(roundUsd(cost)).toBe(0.000105);
    expect(costUsd(usage({ inputTokens: -5, outputTokens: -5 }), price)).toBe(0);
  });

  test("no usage costs nothing", () => {
    expect(costUsd(usage({}), price)).toBe(0);
  });
});

describe("estimateCostUsd", () => {
  test("input and output at list prices", () => {
    expect(roundUsd(estimateCostUsd(price, 2_000, 500))).toBe(0.004);
    expect(estimateCostUsd(price, -1, 0)).toBe(0);
  });
});

describe("roundUsd", () => {
  test("keeps 10 significant digits", () => {
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
    expect(roundUsd(1.5e-7 * 3)).toBe(4.5e-7);
    expect(roundUsd(123.456789012345)).toBe(123.456789);
    expect(roundUsd(0)).toBe(0);
  });
});
