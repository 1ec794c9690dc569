// Provider health from the fleet's recent traffic (docs/provider-health.md): per provider and
// model, the success rate and latency percentiles of the requests the warehouse holds.
import * as v from "valibot";
import { timestampSchema } from "../../api/schemas.ts";

export const providerHealthQuery = v.object({
  start: v.optional(
    v.pipe(
      v.string(),
      v.isoTimestamp("must be an ISO 8601 timestamp"),
      v.description("Requests at or after this instant (default: one hour before end)."),
    ),
  ),
  end: v.optional(
    v.pipe(
      v.string(),
      v.isoTimestamp("must be an ISO 8601 timestamp"),
      v.description("Requests before this instant (default: now)."),
    ),
  ),
  provider: v.optional(v.pipe(v.string(), v.description("Only this provider (as in the logs)."))),
  project_id: v.optional(v.pipe(v.string(), v.description("Only this project's requests."))),
});

const latency = (which: string) =>
  v.pipe(v.nullable(v.number()), v.description(`${which} latency in ms; null without latencies.`));

export const providerModelHealthView = v.object({
  provider: v.string(),
  model: v.string(),
  requests: v.pipe(v.number(), v.integer()),
  errors: v.pipe(
    v.number(),
    v.integer(),
    v.description("Requests answered with a status of 400 or more."),
  ),
  success_rate: v.pipe(v.number(), v.description("1 - errors / requests, four places.")),
  p50_latency_ms: latency("Median"),
  p95_latency_ms: latency("95th percentile"),
  status: v.pipe(
    v.picklist(["healthy", "degraded", "failing"]),
    v.description("failing below 0.5 success, degraded below 0.95, else healthy."),
  ),
  circuit_state: v.pipe(
    v.null(),
    v.description(
      "The data planes' breaker state is kept per node and not reported to the control plane " +
        "yet: always null (see /metrics modelux_circuit_breaker_state on each data plane).",
    ),
  ),
});

export const providerHealthReportView = v.object({
  start: timestampSchema,
  end: timestampSchema,
  data: v.array(providerModelHealthView),
});
