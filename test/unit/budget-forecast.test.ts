// Budget forecasting (docs/budgets.md, Forecast): linear on the period so far.
import { describe, expect, test } from "bun:test";
import { forecastSpend } from "../../controlplane/budgets/forecast.ts";

const DAY = 86_400_000;
const window = { startMs: Date.UTC(2026, 5, 1), endMs: Date.UTC(2026, 5, 1) + 30 * DAY };

describe("budget forecast", () => {
  test("projects the period's rate to its end and dates the cap", () => {
    // 30 USD in 10 of 30 days: 3/day, 90 by the end; a 60 cap is reached on day 20.
    expect(forecastSpend(window, 30, 60, window.startMs + 10 * DAY)).toEqual({
      method: "linear_period_to_date",
      rate_usd_per_day: 3,
      projected_spend_usd: 90,
      projected_used_pct: 1.5,
      cap_reached_at: new Date(window.startMs + 20 * DAY).toISOString(),
    });
  });

  test("no date when the projection stays under the cap or the cap is already reached", () => {
    expect(forecastSpend(window, 10, 100, window.startMs + 10 * DAY)).toMatchObject({
      projected_spend_usd: 30,
      cap_reached_at: null,
    });
    expect(forecastSpend(window, 120, 100, window.startMs + 10 * DAY)).toMatchObject({
      projected_spend_usd: 360,
      projected_used_pct: 3.6,
      cap_reached_at: null,
    });
  });

  test("nothing spent projects nothing; the first instant of a period does not divide by zero", () => {
    expect(forecastSpend(window, 0, 100, window.startMs + DAY)).toMatchObject({
      rate_usd_per_day: 0,
      projected_spend_usd: 0,
      cap_reached_at: null,
    });
    const first = forecastSpend(window, 1, 100, window.startMs);
    expect(Number.isFinite(first.projected_spend_usd)).toBe(true);
  });
});
