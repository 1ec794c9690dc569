// Success criteria of experiments: the verdict from the predicates, the minimum sample and the
// metrics a mode does not measure (controlplane/experiments/criteria.ts).
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
  type CriteriaMetrics,
  evaluateCriteria,
  type SuccessCriteria,
  successCriteriaSchema,
} from "../../controlplane/experiments/criteria.ts";

const metrics = (overrides: Partial<CriteriaMetrics> = {}): CriteriaMetrics => ({
  requests: 1_000,
  cost_delta_pct: -40,
  error_rate_delta_pct: 0.5,
  p95_delta_pct: 12,
  similarity_pct_above_threshold: null,
  judge_worse_pct_upper_ci: null,
  ...overrides,
});

const criteria = (input: unknown): SuccessCriteria => v.parse(successCriteriaSchema, input);

describe("evaluateCriteria", () => {
  test("pass when every predicate holds", () => {
    const result = evaluateCriteria(
      criteria({
        min_sample_size: 100,
        predicates: [
          { metric: "cost_delta_pct", op: "lt", value: -10 },
          { metric: "error_rate_delta_pct", op: "lte", value: 1 },
          { metric: "p95_delta_pct", op: "lte", value: 20 },
        ],
      }),
      metrics(),
    );
    expect(result.verdict).toBe("pass");
    expect(result.predicates.map((predicate) => predicate.holds)).toEqual([true, true, true]);
    expect(result.predicates[0]).toMatchObject({ actual: -40, value: -10, op: "lt" });
  });

  test("fail when one measured predicate does not hold, naming it", () => {
    const result = evaluateCriteria(
      criteria({
        predicates: [
          { metric: "cost_delta_pct", op: "lt", value: 0 },
          { metric: "p95_delta_pct", op: "lt", value: 10 },
        ],
      }),
      metrics(),
    );
    expect(result.verdict).toBe("fail");
    expect(result.reason).toContain("p95_delta_pct 12 is not < 10");
    expect(result.predicates.map((predicate) => predicate.holds)).toEqual([true, false]);
  });

  test("each operator compares as its name says, bounds included or not", () => {
    const verdict = (op: string, value: number) =>
      evaluateCriteria(
        criteria({ predicates: [{ metric: "cost_delta_pct", op, value }] }),
        metrics({ cost_delta_pct: 5 }),
      ).verdict;
    expect([verdict("lt", 5), verdict("lte", 5), verdict("gt", 5), verdict("gte", 5)]).toEqual([
      "fail",
      "pass",
      "fail",
      "pass",
    ]);
  });

  test("inconclusive below the minimum sample, even when a predicate fails", () => {
    const result = evaluateCriteria(
      criteria({
        min_sample_size: 2_000,
        predicates: [{ metric: "cost_delta_pct", op: "gt", value: 0 }],
      }),
      metrics(),
    );
    expect(result.verdict).toBe("inconclusive");
    expect(result.reason).toContain("fewer than the minimum sample of 2000");
  });

  test("no requests at all is inconclusive without a minimum", () => {
    const result = evaluateCriteria(
      criteria({ predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }] }),
      metrics({ requests: 0, cost_delta_pct: null }),
    );
    expect(result.verdict).toBe("inconclusive");
  });

  test("a metric this mode does not measure makes it inconclusive, unless another fails", () => {
    const unmeasured = evaluateCriteria(
      criteria({
        predicates: [
          { metric: "cost_delta_pct", op: "lt", value: 0 },
          {
            metric: "similarity_pct_above_threshold",
            op: "gte",
            value: 95,
            params: { threshold: 0.9 },
          },
        ],
      }),
      metrics(),
    );
    expect(unmeasured.verdict).toBe("inconclusive");
    expect(unmeasured.reason).toContain("similarity_pct_above_threshold");
    expect(unmeasured.predicates[1]).toMatchObject({ actual: null, holds: null });

    const failing = evaluateCriteria(
      criteria({
        predicates: [
          { metric: "cost_delta_pct", op: "gt", value: 0 },
          { metric: "judge_worse_pct_upper_ci", op: "lt", value: 5 },
        ],
      }),
      metrics(),
    );
    expect(failing.verdict).toBe("fail");
  });

  test("a delta that is undefined (a baseline that cost nothing) is not measured", () => {
    const result = evaluateCriteria(
      criteria({ predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }] }),
      metrics({ cost_delta_pct: null }),
    );
    expect(result.verdict).toBe("inconclusive");
  });

  test("without criteria the verdict is inconclusive", () => {
    expect(evaluateCriteria(null, metrics())).toEqual({
      verdict: "inconclusive",
      reason: "no success criteria",
      predicates: [],
    });
  });
});

describe("successCriteriaSchema", () => {
  test("logic defaults to and; unknown metrics, ops and fields are refused", () => {
    expect(criteria({ predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }] }).logic).toBe(
      "and",
    );
    const refused = (input: unknown) => !v.safeParse(successCriteriaSchema, input).success;
    expect(refused({ predicates: [{ metric: "cost", op: "lt", value: 0 }] })).toBe(true);
    expect(refused({ predicates: [{ metric: "cost_delta_pct", op: "eq", value: 0 }] })).toBe(true);
    expect(
      refused({ logic: "or", predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }] }),
    ).toBe(true);
    expect(refused({ predicates: [] })).toBe(true);
    expect(
      refused({
        min_sample_size: 0,
        predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }],
      }),
    ).toBe(true);
    expect(
      refused({ extra: 1, predicates: [{ metric: "cost_delta_pct", op: "lt", value: 0 }] }),
    ).toBe(true);
    expect(
      refused({ predicates: [{ metric: "cost_delta_pct", op: "lt", value: Number.NaN }] }),
    ).toBe(true);
  });
});
