// The pure parts of the prediction check (docs/experiments.md, "Prediction checked against
// reality"): the window a promotion is checked over, when a check waits, validates, keeps waiting,
// gives up or is superseded, and the error arithmetic (0 predictions, MAPE, bias).
import { describe, expect, test } from "bun:test";
import type { ExperimentRow, ExperimentValidationRow } from "../../controlplane/db/schema/index.ts";
import { checkPrediction } from "../../controlplane/prediction-checks/check.ts";
import type { Measure } from "../../controlplane/prediction-checks/measure.ts";
import { planCheck } from "../../controlplane/prediction-checks/prediction.ts";
import {
  accuracyAcross,
  metricError,
  type PredictionErrors,
} from "../../controlplane/prediction-checks/prediction-error.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PROMOTED = Date.UTC(2026, 4, 1, 12);
const SETTLE = 5 * 60_000;

function experiment(days: number, requests: number): ExperimentRow {
  return {
    window_start: new Date(Date.UTC(2026, 3, 1)),
    window_end: new Date(Date.UTC(2026, 3, 1) + days * DAY),
    filters: { model: "gpt-4o", tags: { team: "search" } },
    candidate_summary: {
      requests,
      cost_usd_per_request: 0.002,
      p50_latency_ms: 300,
      p95_latency_ms: null,
      error_rate: 0,
    },
  } as unknown as ExperimentRow;
}

function pending(windowMs: number, minRequests = 100): ExperimentValidationRow {
  const plan = planCheck(
    { ...experiment(windowMs / DAY, 500), window_end: new Date(Date.UTC(2026, 3, 1) + windowMs) },
    new Date(PROMOTED),
  );
  if (!plan) throw new Error("no plan");
  return {
    promoted_at: new Date(PROMOTED),
    window_end: plan.window_end,
    deadline_at: plan.deadline_at,
    min_requests: minRequests,
  } as ExperimentValidationRow;
}

/** A measurement that serves `perHour` requests an hour, and records the windows asked for. */
function steady(perHour: number, asked: Array<[number, number]> = []): Measure {
  return async (_row, window) => {
    asked.push([window.start.getTime(), window.end.getTime()]);
    const requests = Math.floor(((window.end.getTime() - window.start.getTime()) * perHour) / HOUR);
    return {
      requests,
      errors: 0,
      cost_usd: 0,
      cost_usd_per_request: null,
      p50_latency_ms: null,
      p95_latency_ms: null,
      error_rate: null,
      window_start: window.start.toISOString(),
      window_end: window.end.toISOString(),
    };
  };
}

describe("planCheck", () => {
  test("the replayed window's length, at most a week; the deadline a window (a day at least) later", () => {
    const day = planCheck(experiment(1, 500), new Date(PROMOTED));
    expect(day?.window_ms).toBe(DAY);
    expect(day?.window_end.getTime()).toBe(PROMOTED + DAY);
    expect(day?.deadline_at.getTime()).toBe(PROMOTED + 2 * DAY);
    const quarter = planCheck(experiment(90, 500), new Date(PROMOTED));
    expect(quarter?.window_ms).toBe(7 * DAY);
    expect(quarter?.deadline_at.getTime()).toBe(PROMOTED + 14 * DAY);
    expect(quarter?.predicted).toMatchObject({
      cost_usd_per_request: 0.002,
      p95_latency_ms: null,
      error_rate: 0,
      requests: 500,
    });
    // The model filter named the baseline's model; the tags still narrow the traffic.
    expect(quarter?.filters).toEqual({ tags: { team: "search" } });
    expect(quarter?.min_requests).toBe(100);
    expect(planCheck(experiment(1, 30), new Date(PROMOTED))?.min_requests).toBe(30);
    expect(planCheck(experiment(1, 0), new Date(PROMOTED))).toBeNull();
  });
});

describe("checkPrediction", () => {
  test("waits for the window to close and settle, then measures exactly the comparable window", async () => {
    const row = pending(DAY);
    const asked: Array<[number, number]> = [];
    const early = await checkPrediction(row, null, PROMOTED + DAY + 60_000, steady(10, asked));
    expect(early.status).toBe("wait");
    expect(asked).toEqual([]);
    const due = await checkPrediction(row, null, PROMOTED + DAY + SETTLE, steady(10, asked));
    expect(due.status).toBe("validated");
    expect(asked).toEqual([[PROMOTED, PROMOTED + DAY]]);
  });

  test("too few requests: the window grows, validated once enough, insufficient_data after the deadline", async () => {
    const row = pending(HOUR);
    // 60 an hour: 60 in the comparable hour, 100 after 1 h 40 min.
    const short = await checkPrediction(row, null, PROMOTED + HOUR + SETTLE + 60_000, steady(60));
    expect(short).toMatchObject({ status: "pending", actual: { requests: 61 } });
    const grown = await checkPrediction(row, null, PROMOTED + 2 * HOUR, steady(60));
    expect(grown).toMatchObject({ status: "validated", actual: { requests: 115 } });
    expect(grown.status !== "wait" && grown.actual.window_end).toBe(
      new Date(PROMOTED + 2 * HOUR - SETTLE).toISOString(),
    );
    const never = await checkPrediction(row, null, row.deadline_at.getTime() + SETTLE, steady(0));
    expect(never).toMatchObject({ status: "insufficient_data", actual: { requests: 0 } });
    expect(never.status !== "wait" && never.actual.window_end).toBe(row.deadline_at.toISOString());
  });

  test("replaced by a later version: measured up to the replacement; superseded with too few", async () => {
    const row = pending(DAY);
    const replaced = new Date(PROMOTED + 2 * HOUR);
    const before = await checkPrediction(row, replaced, PROMOTED + 2 * HOUR, steady(100));
    expect(before.status).toBe("wait");
    const busy = await checkPrediction(row, replaced, PROMOTED + 3 * HOUR, steady(100));
    expect(busy).toMatchObject({
      status: "validated",
      actual: { requests: 200, window_end: replaced.toISOString() },
    });
    const quiet = await checkPrediction(row, replaced, PROMOTED + 3 * HOUR, steady(10));
    expect(quiet).toMatchObject({ status: "superseded", actual: { requests: 20 } });
  });
});

describe("prediction errors", () => {
  test("relative error, with zero predictions handled", () => {
    expect(metricError(0.002, 0.0025)).toEqual({
      predicted: 0.002,
      actual: 0.0025,
      absolute_error: 0.0005,
      relative_error: 0.25,
    });
    expect(metricError(0, 0).relative_error).toBe(0);
    expect(metricError(0, 0.01)).toMatchObject({ absolute_error: 0.01, relative_error: null });
    expect(metricError(null, 3)).toMatchObject({ absolute_error: null, relative_error: null });
  });

  test("MAPE, bias and mean absolute error across promotions, per metric", () => {
    const errors = (cost: number | null, p50: number) =>
      ({
        cost_usd_per_request: { relative_error: cost, absolute_error: cost },
        p50_latency_ms: { relative_error: p50, absolute_error: p50 * 100 },
        p95_latency_ms: { relative_error: null, absolute_error: null },
        error_rate: { relative_error: null, absolute_error: 0.01 },
      }) as unknown as PredictionErrors;
    const accuracy = accuracyAcross([errors(0.25, -0.1), errors(-0.1, 0.3), errors(null, 0.2)]);
    expect(accuracy.cost_usd_per_request).toEqual({
      count: 2,
      mean_absolute_pct_error: 17.5,
      mean_signed_pct_error: 7.5,
      mean_absolute_error: 0.175,
    });
    expect(accuracy.p50_latency_ms.count).toBe(3);
    expect(accuracy.p50_latency_ms.mean_absolute_pct_error).toBeCloseTo(20, 6);
    expect(accuracy.p95_latency_ms).toEqual({
      count: 0,
      mean_absolute_pct_error: null,
      mean_signed_pct_error: null,
      mean_absolute_error: null,
    });
    expect(accuracy.error_rate.mean_absolute_error).toBeCloseTo(0.01, 9);
  });
});
