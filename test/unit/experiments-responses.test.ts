// The pure parts of with_responses (docs/experiments.md): the Wilson interval, cosine
// similarity, the judge's verdict, the spend guard's rule, the cost bound of a plan, the request
// rebuilt from a captured row, and the similarity criterion at a predicate's own threshold.
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { parseVerdict } from "../../controlplane/experiments/compare-answers.ts";
import { planCostBound, sizedFeatures } from "../../controlplane/experiments/cost-bound.ts";
import {
  evaluateCriteria,
  successCriteriaSchema,
} from "../../controlplane/experiments/criteria.ts";
import { type CapturedRequest, replayCall } from "../../controlplane/experiments/replay-body.ts";
import {
  cosineSimilarity,
  type PairOutcome,
  pctAbove,
  wilsonInterval,
} from "../../controlplane/experiments/response-stats.ts";
import { SpendGuard } from "../../controlplane/experiments/spend-guard.ts";
import { criteriaMetrics } from "../../controlplane/experiments/summaries.ts";
import type { Attempt, RoutePlan } from "../../dataplane/routing/plan.ts";

describe("wilsonInterval", () => {
  test("matches the published values", () => {
    // 9 of 12 and 0 of 10 (Newcombe 1998, method 3; Agresti & Coull 1998).
    const nine = wilsonInterval(9, 12);
    expect(nine?.low).toBeCloseTo(0.4677, 4);
    expect(nine?.high).toBeCloseTo(0.9111, 4);
    const none = wilsonInterval(0, 10);
    expect(none?.low).toBe(0);
    expect(none?.high).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(10, 10)?.high).toBe(1);
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});

test("cosineSimilarity", () => {
  expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
  expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
  expect(cosineSimilarity([1, 0], [-1, 0])).toBe(-1);
  expect(cosineSimilarity([0, 0], [1, 0])).toBeNull();
  expect(cosineSimilarity([1], [1, 2])).toBeNull();
});

test("parseVerdict reads the first JSON object, in prose or fences too", () => {
  expect(parseVerdict('{"verdict": "worse", "reason": "wrong"}')).toEqual({
    verdict: "worse",
    reason: "wrong",
  });
  expect(parseVerdict('Sure:\n```json\n{"verdict": "Not worse"}\n```')).toEqual({
    verdict: "same",
    reason: null,
  });
  expect(parseVerdict('{"verdict": "BETTER"}')?.verdict).toBe("better");
  expect(parseVerdict('{"verdict": "maybe"}')).toBeNull();
  expect(parseVerdict("B is worse.")).toBeNull();
});

describe("SpendGuard", () => {
  test("holds bounds, charges real costs and gives back what a hold did not use", () => {
    const guard = new SpendGuard(1);
    const first = guard.reserve(0.6);
    expect(first).not.toBeNull();
    expect(guard.reserve(0.5)).toBeNull();
    guard.charge(first as NonNullable<typeof first>, "requests", 0.2);
    guard.charge(first as NonNullable<typeof first>, "embeddings", 0.05);
    expect(guard.reserve(0.5)).toBeNull();
    guard.release(first as NonNullable<typeof first>);
    expect(guard.spentUsd).toBeCloseTo(0.25, 12);
    expect(guard.heldUsd).toBeCloseTo(0, 12);
    expect(guard.spentBy).toEqual({ requests: 0.2, embeddings: 0.05, judge: 0 });
    // spent + held + bound ≤ cap: 0.25 + 0.75 fits exactly, a cent more does not.
    expect(guard.reserve(0.76)).toBeNull();
    expect(guard.reserve(0.75)).not.toBeNull();
  });
});

describe("planCostBound", () => {
  const attempt = (model: string): Attempt =>
    ({ kind: "attempt", model, info: lookupModel("openai", model) }) as unknown as Attempt;
  const features = sizedFeatures(1000, 100);
  const usd = (model: string) => {
    const price = lookupModel("openai", model).price;
    return 1000 * price.input + 100 * price.output;
  };

  test("a fallback plan costs at most its dearest step", () => {
    const plan = { steps: [attempt("gpt-4o-mini"), attempt("gpt-4o")] } as unknown as RoutePlan;
    expect(planCostBound(plan, features)).toEqual({ usd: usd("gpt-4o"), outputTokens: 100 });
  });

  test("an ensemble's members add up, its judge included", () => {
    const plan = {
      steps: [
        {
          kind: "ensemble",
          members: [{ attempts: [attempt("gpt-4o-mini")] }, { attempts: [attempt("gpt-4o")] }],
          judge: [attempt("gpt-4.1-mini")],
        },
      ],
    } as unknown as RoutePlan;
    expect(planCostBound(plan, features).usd).toBeCloseTo(
      usd("gpt-4o-mini") + usd("gpt-4o") + usd("gpt-4.1-mini"),
      15,
    );
  });

  test("without max_tokens the catalog's output maximum bounds the output", () => {
    const plan = { steps: [attempt("gpt-4o-mini")] } as unknown as RoutePlan;
    expect(planCostBound(plan, sizedFeatures(10, null)).outputTokens).toBe(
      lookupModel("openai", "gpt-4o-mini").maxOutputTokens as number,
    );
  });
});

describe("replayCall", () => {
  const captured = (overrides: Partial<CapturedRequest> = {}): CapturedRequest => ({
    request_id: "r1",
    surface: "openai",
    prompt: JSON.stringify({ messages: [{ role: "user", content: "Hi" }] }),
    tags_json: '{"team":"search"}',
    end_user: "u1",
    conversation_id: "c1",
    req_max_tokens: 50,
    req_temperature: 0.2,
    req_wants_json: true,
    ...overrides,
  });

  test("an OpenAI request with its recorded parameters, tags, user and conversation", () => {
    expect(replayCall(captured(), "@production")).toEqual({
      value: {
        path: "/openai/v1/chat/completions",
        body: {
          model: "@production",
          messages: [{ role: "user", content: "Hi" }],
          temperature: 0.2,
          max_tokens: 50,
          response_format: { type: "json_object" },
          "mlx:tags": { team: "search" },
          "mlx:end_user": "u1",
        },
        headers: { "x-modelux-conversation-id": "c1" },
      },
    });
  });

  test("an Anthropic request keeps its system and always has max_tokens", () => {
    const call = replayCall(
      captured({
        surface: "anthropic",
        prompt: JSON.stringify({
          system: "Be brief.",
          messages: [{ role: "user", content: "Hi" }],
        }),
        req_max_tokens: null,
        req_wants_json: false,
        tags_json: null,
      }),
      "@production",
    );
    expect(call).toMatchObject({
      value: {
        path: "/anthropic/v1/messages",
        body: { system: "Be brief.", max_tokens: 4096 },
        headers: { "anthropic-version": "2023-06-01" },
      },
    });
  });

  test("what cannot be rebuilt is skipped with its reason", () => {
    expect(replayCall(captured({ prompt: "not json" }), "@p")).toEqual({
      skip: "unreadable_prompt",
    });
    expect(replayCall(captured({ surface: "anthropic" }), "@p")).toEqual({
      skip: "output_format_not_captured",
    });
  });
});

test("similarity_pct_above_threshold at a predicate's own threshold", () => {
  const pair = (similarity: number): PairOutcome => ({
    requestId: String(similarity),
    status: 200,
    similarity,
    similarityError: null,
    verdict: null,
    verdictReason: null,
    judgeError: null,
  });
  const pairs = [1, 0.95, 0.8, 0.6].map(pair);
  const criteria = v.parse(successCriteriaSchema, {
    predicates: [
      { metric: "similarity_pct_above_threshold", op: "gte", value: 50 },
      {
        metric: "similarity_pct_above_threshold",
        op: "gte",
        value: 75,
        params: { threshold: 0.7 },
      },
    ],
  });
  const comparison = {
    requests: 4,
    cost_delta_pct: 0,
    error_rate_delta_pct: 0,
    p50_delta_pct: 0,
    p95_delta_pct: 0,
    changed_requests: 0,
    changed_share: 0,
    borrowed_outcomes: 0,
    transitions: [],
  };
  const result = evaluateCriteria(
    criteria,
    criteriaMetrics(comparison, {
      similarityPctAboveThreshold: pctAbove(pairs, 0.9),
      similarityPctAbove: (threshold) => pctAbove(pairs, threshold),
      judgeWorsePctUpperCi: null,
    }),
  );
  expect(result.predicates.map((predicate) => predicate.actual)).toEqual([50, 75]);
  expect(result.verdict).toBe("pass");
  expect(
    v.safeParse(successCriteriaSchema, {
      predicates: [
        { metric: "similarity_pct_above_threshold", op: "gte", value: 1, params: { threshold: 2 } },
      ],
    }).success,
  ).toBe(false);
});
