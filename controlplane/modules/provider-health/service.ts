// Per provider and model: requests, errors and latency percentiles over a recent window, read
// through the warehouse's report (one query for the pairs, one per pair for exact percentiles),
// with the circuit breaker's state now across the fleet's data planes (fleet-circuits.ts).
import type * as v from "valibot";
import { invalidField } from "../../api/errors.ts";
import type { WarehouseQuery } from "../../warehouse/query.ts";
import { FleetCircuits } from "./fleet-circuits.ts";
import type { providerHealthQuery, providerModelHealthView } from "./model.ts";

export const DEFAULT_WINDOW_MS = 60 * 60 * 1000;
const MAX_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

type HealthRow = v.InferOutput<typeof providerModelHealthView>;

export function healthStatus(successRate: number): HealthRow["status"] {
  if (successRate < 0.5) return "failing";
  if (successRate < 0.95) return "degraded";
  return "healthy";
}

export async function providerHealth(
  warehouse: WarehouseQuery,
  orgId: string,
  query: v.InferOutput<typeof providerHealthQuery>,
  circuits: FleetCircuits | null = null,
  nowMs = Date.now(),
) {
  const end = query.end ? new Date(query.end) : new Date(nowMs);
  const start = query.start ? new Date(query.start) : new Date(end.getTime() - DEFAULT_WINDOW_MS);
  if (end <= start) throw invalidField("query.end", "must be after start");
  if (end.getTime() - start.getTime() > MAX_WINDOW_MS) {
    throw invalidField("query.start", "the window is at most 7 days");
  }
  const base = {
    start,
    end,
    project_id: query.project_id ?? null,
    provider: query.provider ?? null,
  };
  // Which providers served in the window, then which models each served.
  const providers = await warehouse.report(orgId, base, {
    granularity: "day",
    group_by: "provider",
    tag_key: null,
  });
  const providerNames = [
    ...new Set(providers.series.map((row) => row.group_value as string | null)),
  ].filter((name): name is string => typeof name === "string" && name.length > 0);
  const fleet = circuits?.forOrg(orgId) ?? null;
  const rows: HealthRow[] = [];
  for (const provider of providerNames.sort()) {
    const models = await warehouse.report(
      orgId,
      { ...base, provider },
      { granularity: "day", group_by: "model", tag_key: null },
    );
    const modelNames = [...new Set(models.series.map((row) => row.group_value as string | null))]
      .filter((name): name is string => typeof name === "string" && name.length > 0)
      .sort();
    for (const model of modelNames) {
      const { totals } = await warehouse.report(
        orgId,
        { ...base, provider, model },
        { granularity: "day", group_by: null, tag_key: null },
      );
      const requests = Number(totals.requests ?? 0);
      if (requests === 0) continue;
      const errors = Number(totals.errors ?? 0);
      const successRate = Math.round((1 - errors / requests) * 10_000) / 10_000;
      const circuit = FleetCircuits.of(fleet, provider, model);
      rows.push({
        provider,
        model,
        requests,
        errors,
        success_rate: successRate,
        p50_latency_ms: (totals.p50_latency_ms as number | null) ?? null,
        p95_latency_ms: (totals.p95_latency_ms as number | null) ?? null,
        status: healthStatus(successRate),
        circuit_state: circuit?.state ?? null,
        circuit_nodes: circuit ? { ...circuit.nodes } : null,
      });
    }
  }
  return { start: start.toISOString(), end: end.toISOString(), data: rows };
}
