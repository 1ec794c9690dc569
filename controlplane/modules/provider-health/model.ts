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
    v.nullable(v.picklist(["closed", "half_open", "open"])),
    v.description(
      "The circuit breaker now, across the data planes that reported in the last three " +
        "heartbeats (15 s): open on any node, else half_open on any, else closed. Null when no " +
        "data plane has reported (the bus is down, or none runs).",
    ),
  ),
  circuit_nodes: v.pipe(
    v.nullable(
      v.object({
        open: v.pipe(v.number(), v.integer()),
        half_open: v.pipe(v.number(), v.integer()),
        reporting: v.pipe(
          v.number(),
          v.integer(),
          v.description("Data planes heard from; on the others' counts it is closed."),
        ),
      }),
    ),
    v.description("On how many data planes the circuit is open and half-open; null as above."),
  ),
});

export const providerHealthReportView = v.object({
  start: timestampSchema,
  end: timestampSchema,
  data: v.array(providerModelHealthView),
});
