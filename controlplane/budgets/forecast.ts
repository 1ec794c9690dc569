// Budget forecasting (docs/budgets.md "Forecast"): the period's spend so far, extended linearly
// to the period's end. Method `linear_period_to_date`: rate = spend / time elapsed in the period;
// projected end-of-period spend = rate × period length; the cap is reached at
// start + cap / rate when that falls before the period resets. One method, stated in every
// forecast so a reader knows what the numbers assume.

import type { PeriodWindow } from "#shared/budgets/period.ts";
import { isoRequired } from "../api/schemas.ts";
import { usedFraction } from "./current-period.ts";

export const FORECAST_METHOD = "linear_period_to_date";

const DAY_MS = 86_400_000;

export interface BudgetForecast {
  method: typeof FORECAST_METHOD;
  /** Spend rate over the period so far, USD per day. */
  rate_usd_per_day: number;
  /** Spend at the period's end if the rate holds. */
  projected_spend_usd: number;
  /** projected_spend_usd over the cap, four places. */
  projected_used_pct: number;
  /**
   * When spend reaches the cap at this rate, if before the period resets; null when the
   * projection stays under the cap, or when spend has already reached it (then used_pct ≥ 1).
   */
  cap_reached_at: string | null;
}

const round = (value: number, places: number) => {
  const scale = 10 ** places;
  return Math.round(value * scale) / scale;
};

/** The forecast of a budget's current period at `nowMs`, given its spend so far. */
export function forecastSpend(
  window: PeriodWindow,
  spendUsd: number,
  capUsd: number,
  nowMs: number,
): BudgetForecast {
  const lengthMs = window.endMs - window.startMs;
  // At the very start of a period nothing has elapsed: the spend so far is the whole estimate.
  const elapsedMs = Math.min(lengthMs, Math.max(1, nowMs - window.startMs));
  const ratePerMs = Math.max(0, spendUsd) / elapsedMs;
  const projected = ratePerMs * lengthMs;
  let capReachedAt: string | null = null;
  if (ratePerMs > 0 && spendUsd < capUsd) {
    const atMs = window.startMs + Math.ceil(capUsd / ratePerMs);
    if (atMs < window.endMs) capReachedAt = isoRequired(new Date(atMs));
  }
  return {
    method: FORECAST_METHOD,
    rate_usd_per_day: round(ratePerMs * DAY_MS, 10),
    projected_spend_usd: round(projected, 10),
    projected_used_pct: usedFraction(projected, capUsd),
    cap_reached_at: capReachedAt,
  };
}
