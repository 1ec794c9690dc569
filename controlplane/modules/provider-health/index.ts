// Provider health over the fleet's recent traffic (docs/provider-health.md).
import { defineOperation } from "../../api/operation.ts";
import { warehouseOf } from "../logs/service.ts";
import { providerHealthQuery, providerHealthReportView } from "./model.ts";
import { providerHealth } from "./service.ts";

export const providerHealthOperations = [
  defineOperation({
    id: "list_provider_health",
    method: "GET",
    path: "/provider-health",
    summary: "Health of every provider and model from recent traffic",
    description:
      "Per provider and model, over the window (default the last hour): requests, errors, " +
      "success rate, p50/p95 latency and a status (failing < 0.5 success, degraded < 0.95), " +
      "from the request logs of the whole fleet; and the circuit breaker's state now across " +
      "the data planes (open on any node, with node counts).",
    tag: "providers",
    role: "viewer",
    query: providerHealthQuery,
    output: providerHealthReportView,
    handler: ({ services, caller }, { query }) =>
      providerHealth(warehouseOf(services), caller.org_id, query, services.fleetCircuits ?? null),
  }),
];
