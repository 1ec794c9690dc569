// What a promoted routing config version actually did in a window, from the request-log
// warehouse (sql/duckdb/served_outcome.sql), as the figures a prediction is checked against.
import type { ExperimentValidationRow } from "../db/schema/index.ts";
import type { WarehouseQuery } from "../warehouse/query.ts";
import type { Actual } from "./prediction-error.ts";

export type Measure = (
  row: ExperimentValidationRow,
  window: { start: Date; end: Date },
) => Promise<Actual>;

/** Measures through the warehouse, narrowed by the experiment's end-user and tag filters. */
export function warehouseMeasure(warehouse: Pick<WarehouseQuery, "servedOutcome">): Measure {
  return async (row, window) => {
    const filters = row.filters as { end_user?: string; tags?: Record<string, string> };
    const outcome = await warehouse.servedOutcome(row.org_id, {
      project_id: row.project_id,
      config_slug: row.config_slug,
      config_version: row.config_version,
      start: window.start,
      end: window.end,
      end_user: filters.end_user ?? null,
      tag_pairs: Object.entries(filters.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
    return actualOf(outcome, window);
  };
}

export function actualOf(row: Record<string, unknown>, window: { start: Date; end: Date }): Actual {
  const requests = Number(row.requests ?? 0);
  const errors = Number(row.errors ?? 0);
  const cost = Number(row.cost_usd ?? 0);
  const quantiles = (row.latency_quantiles as Array<number | null> | null) ?? null;
  const quantile = (index: number) => {
    const value = quantiles?.[index];
    return typeof value === "number" && Number.isFinite(value) ? rounded(value, 3) : null;
  };
  return {
    requests,
    errors,
    cost_usd: rounded(cost, 10),
    cost_usd_per_request: requests > 0 ? rounded(cost / requests, 10) : null,
    p50_latency_ms: quantile(0),
    p95_latency_ms: quantile(1),
    error_rate: requests > 0 ? rounded(errors / requests, 6) : null,
    window_start: window.start.toISOString(),
    window_end: window.end.toISOString(),
  };
}

function rounded(value: number, places: number): number {
  const scale = 10 ** places;
  return Math.round(value * scale) / scale;
}
