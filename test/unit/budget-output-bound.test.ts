// One request cannot block its org (issue 14, point 5): output-token fields beyond any model are
// 400s naming the field on both surfaces; what a request reserves is bounded by what its model
// can write (the catalog's limit, or the largest of its vendor's for an unknown model); and a 402
// body carries finite numbers whatever the node's view.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { largestOutputTokens, lookupModel } from "#shared/pricing/catalog.ts";
import type { RuntimeBudget } from "../../dataplane/budgets/budget-index.ts";
import {
  type BudgetStanding,
  budgetExceededError,
  DEFAULT_OUTPUT_BOUND,
  estimateRequestUsd,
  outputBound,
} from "../../dataplane/budgets/enforce.ts";
import type { RequestFeatures } from "../../dataplane/routing/request-features.ts";
import { parseAnthropicRequest } from "../../dataplane/surfaces/anthropic/parse-request.ts";
import { parseOpenAiChatRequest } from "../../dataplane/surfaces/openai/parse-request.ts";
import { anthropicErrorBody } from "../../dataplane/wire/anthropic/error-body.ts";
import { MAX_OUTPUT_TOKENS } from "../../dataplane/wire/max-output-tokens.ts";
import { openAiErrorBody } from "../../dataplane/wire/openai/error-body.ts";

const OPENAI = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
const ANTHROPIC = { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] };

function refusal(parse: () => unknown): GatewayError {
  try {
    parse();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("output-token fields: absurd values are a 400 naming the field", () => {
  const absurd: Array<[string, number, RegExp]> = [
    ["200 million", 200_000_000, /at most 10000000/],
    ["1e308", 1e308, /at most 10000000/],
    ["one past the bound", MAX_OUTPUT_TOKENS + 1, /at most 10000000/],
    ["not an integer", 1.5, /integer/],
    ["negative", -1, /at least 1/],
    ["zero", 0, /at least 1/],
  ];
  for (const [name, value, message] of absurd) {
    for (const field of ["max_tokens", "max_completion_tokens"]) {
      test(`OpenAI ${field}: ${name}`, () => {
        const error = refusal(() => parseOpenAiChatRequest({ ...OPENAI, [field]: value }));
        expect(error.code).toBe("invalid_request");
        expect(error.details.param).toBe(field);
        expect(error.message).toMatch(new RegExp(`^${field}: `));
        expect(error.message).toMatch(message);
      });
    }
    test(`Anthropic max_tokens: ${name}`, () => {
      const error = refusal(() => parseAnthropicRequest({ ...ANTHROPIC, max_tokens: value }));
      expect(error.code).toBe("invalid_request");
      expect(error.details.param).toBe("max_tokens");
      expect(error.message).toMatch(message);
    });
  }

  test("the bound itself and ordinary values are accepted", () => {
    for (const value of [1, 4096, 1_048_576, MAX_OUTPUT_TOKENS]) {
      expect(parseOpenAiChatRequest({ ...OPENAI, max_tokens: value }).value.maxTokens).toBe(value);
      expect(
        parseOpenAiChatRequest({ ...OPENAI, max_completion_tokens: value }).value.maxTokens,
      ).toBe(value);
      expect(parseAnthropicRequest({ ...ANTHROPIC, max_tokens: value }).value.maxTokens).toBe(
        value,
      );
    }
  });
});

describe("the reservation's output bound", () => {
  const features = (maxTokens: number | null): RequestFeatures => ({
    inputTokens: 10,
    hasTools: false,
    hasImages: false,
    wantsJson: false,
    stream: false,
    maxTokens,
    temperature: null,
  });
  const known = lookupModel("openai", "gpt-4o-mini");
  const unknown = lookupModel("openai", "a-model-the-catalog-lacks");

  test("a known model: the request's max_tokens, never more than the model's limit", () => {
    expect(known.maxOutputTokens).toBe(16_384);
    expect(outputBound(known, 100)).toBe(100);
    expect(outputBound(known, null)).toBe(16_384);
    expect(outputBound(known, 200_000_000)).toBe(16_384);
    expect(estimateRequestUsd(known, features(200_000_000))).toBeCloseTo(
      10 * known.price.input + 16_384 * known.price.output,
      15,
    );
  });

  test("an unknown model: the largest limit of its vendor's models, erring high as its price does", () => {
    expect(unknown.known).toBe(false);
    const vendorLargest = largestOutputTokens("openai") as number;
    expect(vendorLargest).toBeGreaterThanOrEqual(16_384);
    expect(outputBound(unknown, 200_000_000)).toBe(vendorLargest);
    expect(outputBound(unknown, 1_000)).toBe(1_000);
    expect(outputBound(unknown, null)).toBe(DEFAULT_OUTPUT_BOUND);
    // A vendor the catalog lacks: the largest of any vendor's.
    expect(largestOutputTokens("no-such-vendor")).toBeGreaterThanOrEqual(vendorLargest);
  });

  test("whatever the request says, the estimate is finite and at most the model's own cost", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_OUTPUT_TOKENS }), (maxTokens) => {
        const estimate = estimateRequestUsd(known, features(maxTokens));
        expect(Number.isFinite(estimate)).toBe(true);
        expect(estimate).toBeLessThanOrEqual(10 * known.price.input + 16_384 * known.price.output);
      }),
    );
  });
});

describe("a 402 body carries finite numbers", () => {
  const budget: RuntimeBudget = {
    id: "bud_1",
    orgId: "org_1",
    projectId: null,
    name: "team-ml",
    scopeType: "org",
    scopeValue: null,
    period: "monthly",
    customSeconds: null,
    anchorMs: null,
    capUsd: 100,
    softThresholds: [],
    action: "block",
    downgradeTo: null,
    failMode: "open",
    staleAfterMs: 30_000,
  };
  const standing = (spendUsd: number, capUsd: number): BudgetStanding => ({
    budget: { ...budget, capUsd },
    key: "bud_1\u00002026-05-01T00:00:00.000Z",
    resetsAtMs: Date.UTC(2026, 5, 1),
    spendUsd,
    usedPct: spendUsd / capUsd,
    stale: false,
  });
  /** Every number in a JSON text, and whether it holds a null. */
  const numbersOf = (text: string) => {
    const numbers: number[] = [];
    JSON.parse(text, (_key, value) => {
      if (typeof value === "number") numbers.push(value);
      return value;
    });
    return { numbers, hasNull: /\bnull\b/.test(text) };
  };

  test("for any spend and cap, on both surfaces and both reasons", () => {
    const usd = fc.oneof(
      fc.double(),
      fc.constantFrom(1e308, 1e303, Number.POSITIVE_INFINITY, Number.NaN, 0, 105),
    );
    fc.assert(
      fc.property(usd, usd, fc.constantFrom("cap", "stale"), (spend, cap, why) => {
        const error = budgetExceededError(
          standing(spend, cap),
          why as "cap" | "stale",
          Date.UTC(2026, 4, 14),
        );
        for (const body of [openAiErrorBody(error), anthropicErrorBody(error)]) {
          const { numbers, hasNull } = numbersOf(body);
          expect(hasNull).toBe(false);
          expect(numbers.every(Number.isFinite)).toBe(true);
          expect(body).not.toMatch(/NaN|Infinity/);
        }
      }),
      { numRuns: 500 },
    );
  });

  test("a view past 1e302 (which overflowed the rounding to null before) is a number", () => {
    const error = budgetExceededError(standing(1e303, 100), "cap", Date.UTC(2026, 4, 14));
    const body = JSON.parse(openAiErrorBody(error)) as {
      error: { budget: { spend_usd: number; cap_usd: number } };
    };
    expect(body.error.budget.spend_usd).toBe(1e303);
    expect(body.error.budget.cap_usd).toBe(100);
  });
});
