// Analytics over the request logs: a report of series and totals, and routing decisions.
import * as v from "valibot";
import { encodedJson } from "../../api/encoded-json.ts";
import { timestampSchema } from "../../api/schemas.ts";
import { logFilterEntries } from "../logs/model.ts";

/** Buckets one report may hold (an hour-granularity report covers about 41 days). */
export const MAX_BUCKETS = 1000;
/** Groups a grouped report keeps when group_limit is not given; the rest are merged. */
export const DEFAULT_GROUP_LIMIT = 100;
/** The largest group_limit. */
export const MAX_GROUP_LIMIT = 1000;
/**
 * The most points a report's series may hold, buckets × group_limit: what keeps every report's
 * answer small enough to build and send in well under a second (docs/warehouse.md). The default
 * group_limit fits every window of at most MAX_BUCKETS buckets.
 */
export const MAX_POINTS = MAX_BUCKETS * DEFAULT_GROUP_LIMIT;

const windowEntries = {
  start: v.pipe(
    v.string(),
    v.isoTimestamp("must be an ISO 8601 timestamp"),
    v.description("Requests at or after this instant."),
  ),
  end: v.pipe(
    v.string(),
    v.isoTimestamp("must be an ISO 8601 timestamp"),
    v.description("Requests before this instant."),
  ),
  project_id: logFilterEntries.project_id,
};

export const reportQuery = v.object({
  ...windowEntries,
  model: logFilterEntries.model,
  provider: logFilterEntries.provider,
  end_user: logFilterEntries.end_user,
  tags: logFilterEntries.tags,
  granularity: v.optional(
    v.pipe(v.picklist(["hour", "day"]), v.description("The series' bucket, UTC (default day).")),
  ),
  group_by: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^(model|provider|project|end_user|provider_key|route|tag:[^,]+)$/,
        "must be model, provider, project, end_user, provider_key, route or tag:<key>",
      ),
      v.description(
        "Splits the series: model, provider, project, end_user, provider_key (the masked " +
          "fingerprint of the caller's own key, X-Modelux-Provider-Key), route (the routing " +
          "config's slug the request resolved through, `@slug`), or tag:<key> (the value of " +
          "that tag). Rows without it form the null group (for route: requests that named a " +
          "model directly).",
      ),
    ),
  ),
  group_limit: v.optional(
    v.pipe(
      v.number(),
      v.integer("must be an integer"),
      v.minValue(1, "must be at least 1"),
      v.maxValue(MAX_GROUP_LIMIT, `must be at most ${MAX_GROUP_LIMIT}`),
      v.description(
        `With group_by: the groups the series keeps (default ${DEFAULT_GROUP_LIMIT}, at most ` +
          `${MAX_GROUP_LIMIT}, and at most ${MAX_POINTS.toLocaleString("en-US")} divided by the ` +
          "window's buckets), those with the most requests over the whole window (ties: by " +
          "value, the null group last); the requests of every other group are merged into " +
          "other_series, one point per bucket. Refused without group_by.",
      ),
    ),
  ),
  include_comparison: v.optional(
    v.pipe(
      v.boolean(),
      v.description(
        "Also report the window just before, of the same length (default false), split by the " +
          "same groups as the window asked for.",
      ),
    ),
  ),
});

export const decisionsQuery = v.object({
  ...windowEntries,
  config_slug: v.optional(v.pipe(v.string(), v.description("Only this routing config."))),
});

const count = v.pipe(v.number(), v.integer());
const latency = (which: string) =>
  v.pipe(
    v.nullable(v.number()),
    v.description(
      `${which} latency in ms: nearest rank among the requests with a latency, to within 1 % ` +
        "(a latency sketch); null without latencies.",
    ),
  );

const measures = {
  requests: count,
  cost_usd: v.number(),
  input_tokens: count,
  output_tokens: count,
  errors: v.pipe(count, v.description("Requests answered with a status of 400 or more.")),
  cache_hits: v.pipe(count, v.description("Requests answered from the response cache.")),
  cache_hit_rate: v.pipe(
    v.number(),
    v.description(
      "cache_hits / requests (0 without requests): all requests, cached configs or not.",
    ),
  ),
  cache_saved_usd: v.pipe(
    v.number(),
    v.description("What the upstream calls replaced by cache hits would have cost, in USD."),
  ),
  p50_latency_ms: latency("Median"),
  p95_latency_ms: latency("95th percentile"),
  p99_latency_ms: latency("99th percentile"),
};

export const seriesPointView = v.object({
  bucket: v.pipe(timestampSchema, v.description("The bucket's start, UTC.")),
  group: v.pipe(v.nullable(v.string()), v.description("The group_by value; null when none.")),
  ...measures,
});
export const otherPointView = v.object({
  bucket: v.pipe(timestampSchema, v.description("The bucket's start, UTC.")),
  ...measures,
});
export const totalsView = v.object(measures);

const periodView = v.object({
  start: timestampSchema,
  end: timestampSchema,
  series: v.pipe(
    v.array(seriesPointView),
    v.description("One point per bucket and kept group that had requests."),
  ),
  other_series: v.pipe(
    v.array(otherPointView),
    v.description(
      "The requests of the groups past group_limit, merged: one point per bucket that had any " +
        "(sums exact, percentiles over those requests). Empty when no group was merged.",
    ),
  ),
  totals: totalsView,
});

export const reportView = v.object({
  ...periodView.entries,
  granularity: v.picklist(["hour", "day"]),
  group_by: v.nullable(v.string()),
  group_limit: v.pipe(
    v.nullable(count),
    v.description("The groups the series keeps at most; null without group_by."),
  ),
  group_count: v.pipe(
    v.nullable(count),
    v.description("How many groups the window has, the null group counted; null without group_by."),
  ),
  capped: v.pipe(
    v.boolean(),
    v.description(
      "Whether group_count exceeds group_limit: the series then holds the group_limit groups " +
        "with the most requests and other_series the rest.",
    ),
  ),
  comparison: v.optional(
    v.pipe(
      periodView,
      v.description(
        "The window before, same length (include_comparison), split by the groups kept above; " +
          "its other_series holds every other group's requests.",
      ),
    ),
  ),
});

/**
 * reportView as the handler builds it: each period's series, other_series and totals are the JSON
 * DuckDB wrote in reportView's shape (sql/duckdb/analytics_report_json.sql), sent as they are.
 */
const encodedPeriodView = v.object({
  ...periodView.entries,
  series: encodedJson,
  other_series: encodedJson,
  totals: encodedJson,
});
export const reportEncodedView = v.object({
  ...reportView.entries,
  ...encodedPeriodView.entries,
  comparison: v.optional(encodedPeriodView),
});

const rate = (what: string) => v.pipe(v.number(), v.description(`${what}, 0 to 1.`));

export const strategyDecisionView = v.object({
  config_slug: v.pipe(v.nullable(v.string()), v.description("Null: requests without a config.")),
  strategy: v.nullable(v.string()),
  requests: count,
  errors: count,
  error_rate: rate("Errors per request"),
  fallback_requests: v.pipe(count, v.description("Requests served after at least one fallback.")),
  fallback_rate: rate("Fallback requests per request"),
  cascade_escalations: v.pipe(
    v.nullable(count),
    v.description(
      "Cascades that went past their first step (more than one upstream attempt; a judge's " +
        "call counts too). Null unless the strategy is cascade.",
    ),
  ),
  cascade_escalation_rate: v.nullable(v.number()),
  cost_usd: v.number(),
  p50_latency_ms: v.nullable(v.number()),
});

export const variantSplitView = v.object({
  config_slug: v.nullable(v.string()),
  variant: v.string(),
  requests: count,
  share: rate("The variant's share of the config's A/B requests"),
  cost_usd: v.number(),
  cost_per_request_usd: v.number(),
  p50_latency_ms: v.nullable(v.number()),
  errors: count,
  error_rate: rate("Errors per request"),
});

export const decisionsView = v.object({
  start: timestampSchema,
  end: timestampSchema,
  strategies: v.array(strategyDecisionView),
  variants: v.array(variantSplitView),
});
