// The data plane's per-request series, recorded from finished decision traces in batches off the
// request path (telemetry.ts). Counters of one batch are summed per label set first, so a busy
// node makes one prom-client call per series per batch, not per request.
import { Counter, type Registry } from "prom-client";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";
import type { DecisionTrace } from "../trace/decision-trace.ts";
import { KeyedHistogram } from "./keyed-histogram.ts";
import {
  attemptOutcome,
  type ModelLabels,
  NONE,
  OTHER,
  routeLabel,
  statusClass,
} from "./metric-labels.ts";

/**
 * What a request was, for `operation` labels and span names: the GenAI conventions' names
 * (`chat`, `embeddings`) or an endpoint's own (`count_tokens`); a name fixed in code, never a
 * client's string.
 */
export type RequestOperation = "chat" | "embeddings" | "count_tokens" | (string & {});

export interface ObservedRequest {
  trace: DecisionTrace;
  operation: RequestOperation;
}

const REQUEST_LABELS = ["surface", "operation", "route", "provider", "model"] as const;
const SERVED_LABELS = ["route", "provider", "model"] as const;

type Labels = Record<string, string>;

// Seconds. Requests: from a fast cached answer to a long reasoning one.
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
const TTFT_BUCKETS = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 2, 5, 10, 30];
// The gateway's own time: DESIGN §12 budgets 0.1 ms at p50 and 1 ms at p99.
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];

export class RequestMetrics {
  private readonly requests: Counter<string>;
  private readonly duration: KeyedHistogram;
  private readonly ttft: KeyedHistogram;
  private readonly overhead: KeyedHistogram;
  private readonly tokens: Counter<string>;
  private readonly cost: Counter<string>;
  private readonly fallbacks: Counter<string>;
  private readonly attempts: Counter<string>;
  private readonly budgetActions: Counter<string>;
  private readonly rateLimited: Counter<string>;
  private readonly cacheRequests: Counter<string>;
  private readonly cacheSaved: Counter<string>;

  constructor(
    registry: Registry,
    private readonly models: ModelLabels,
  ) {
    const registers = [registry];
    this.requests = new Counter({
      name: "modelux_requests_total",
      help: "Requests answered, by surface, operation, route (@slug or direct), provider and model served (none: no upstream answered), and status class.",
      labelNames: [...REQUEST_LABELS, "status_class"],
      registers,
    });
    // Labels: REQUEST_LABELS for duration and TTFT, surface and operation for the overhead.
    this.duration = new KeyedHistogram(
      "modelux_request_duration_seconds",
      "Time from a request's arrival to its last byte (streams included).",
      LATENCY_BUCKETS,
      registry,
    );
    this.ttft = new KeyedHistogram(
      "modelux_time_to_first_token_seconds",
      "Streamed requests: time from arrival to the first byte of the answer.",
      TTFT_BUCKETS,
      registry,
    );
    this.overhead = new KeyedHistogram(
      "modelux_gateway_overhead_seconds",
      "Time spent in the gateway itself (X-Modelux-Overhead-Ms): the request's time less its upstream waits.",
      OVERHEAD_BUCKETS,
      registry,
    );
    this.tokens = new Counter({
      name: "modelux_tokens_total",
      help: "Tokens of answered requests by type: input, output, cached (read from a prompt cache), cache_write, reasoning.",
      labelNames: ["type", ...SERVED_LABELS],
      registers,
    });
    this.cost = new Counter({
      name: "modelux_cost_usd_total",
      help: "Cost of requests in USD as the price catalog (and org overrides) price them; the sum of X-Modelux-Cost-Usd.",
      labelNames: SERVED_LABELS,
      registers,
    });
    this.fallbacks = new Counter({
      name: "modelux_fallbacks_total",
      help: "Upstream attempts made before the one that answered, in plain fallback order.",
      labelNames: ["route"],
      registers,
    });
    this.attempts = new Counter({
      name: "modelux_upstream_attempts_total",
      help: "Upstream attempts by provider, model and outcome (2xx, 4xx, 429, 5xx, timeout, unreachable, skipped, aborted).",
      labelNames: ["provider", "model", "outcome"],
      registers,
    });
    this.budgetActions = new Counter({
      name: "modelux_budget_actions_total",
      help: "Requests a budget at its cap acted on, by budget name and action (block: a 402; downgrade; warn_only).",
      labelNames: ["budget", "action"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "modelux_rate_limited_total",
      help: "Requests refused by a key's rpm_limit or tpm_limit (429 before any upstream call).",
      labelNames: ["surface"],
      registers,
    });
    this.cacheRequests = new Counter({
      name: "modelux_cache_requests_total",
      help: "Requests on a route whose config has a response cache, by route, mode (exact, semantic) and result: hit, miss (asked upstream), skip (not read: mlx:cache.skip, cache-control, sampling, tool calls).",
      labelNames: ["route", "mode", "result"],
      registers,
    });
    this.cacheSaved = new Counter({
      name: "modelux_cache_saved_usd_total",
      help: "What the upstream calls replaced by cache hits would have cost, in USD (the entry's cost when it was stored).",
      labelNames: ["route", "mode"],
      registers,
    });
  }

  /** Records a batch of finished requests; `config` names providers' vendors for model labels. */
  record(batch: readonly ObservedRequest[], config: RuntimeConfig | null): void {
    const counts = new CounterBatch();
    // The labels and series keys of the request before, reused while the next one has the same
    // (a busy node's batch is mostly one route, provider, model and status): no label lookups,
    // no keys built and hashed again per request (issue 20).
    let last: RequestSeries | null = null;
    for (const { trace, operation } of batch) {
      const series: RequestSeries =
        last !== null && sameSeries(last, trace, operation)
          ? last
          : this.seriesOf(trace, operation, config);
      last = series;
      const { surface } = trace;
      const { model, provider, route, target, request, status, requestKey } = series;
      counts.bump(requestKey, 1) ||
        counts.open(requestKey, this.requests, 1, {
          surface,
          operation,
          route,
          provider,
          model,
          status_class: status,
        });
      // Label objects only for a series seen for the first time.
      if (trace.latency_ms !== null) {
        const seconds = trace.latency_ms / 1000;
        this.duration.observe(request, seconds) ||
          this.duration.open(request, { surface, operation, route, provider, model }, seconds);
      }
      if (trace.ttft_ms !== null && trace.stream) {
        const seconds = trace.ttft_ms / 1000;
        this.ttft.observe(request, seconds) ||
          this.ttft.open(request, { surface, operation, route, provider, model }, seconds);
      }
      if (trace.overhead_ms !== null) {
        const seconds = trace.overhead_ms / 1000;
        const key = series.overheadKey;
        this.overhead.observe(key, seconds) ||
          this.overhead.open(key, { surface, operation }, seconds);
      }
      const usage = trace.usage;
      if (usage) {
        for (let index = 0; index < TOKEN_TYPES.length; index++) {
          const [type, field] = TOKEN_TYPES[index] as (typeof TOKEN_TYPES)[number];
          const tokens = usage[field];
          if (!(tokens > 0)) continue;
          let key = series.tokenKeys[index];
          if (key === undefined) {
            key = `t${type}\u0000${target}`;
            series.tokenKeys[index] = key;
          }
          counts.bump(key, tokens) ||
            counts.open(key, this.tokens, tokens, { type, route, provider, model });
        }
      }
      if (trace.cost_usd) {
        let key = series.costKey;
        if (key === null) {
          key = `c\u0000${target}`;
          series.costKey = key;
        }
        counts.bump(key, trace.cost_usd) ||
          counts.open(key, this.cost, trace.cost_usd, { route, provider, model });
      }
      let plain = 0;
      for (const attempt of trace.attempts) {
        if (attempt.status !== "skipped" && attempt.role === undefined) plain++;
        const outcome = attemptOutcome(attempt.status);
        const key =
          series.attemptKey !== null &&
          series.attemptProvider === attempt.provider &&
          series.attemptModel === attempt.model &&
          series.attemptOutcome === outcome
            ? series.attemptKey
            : attemptSeries(series, trace.org_id, attempt.provider, attempt.model, outcome);
        counts.bump(key, 1) ||
          counts.open(key, this.attempts, 1, {
            provider: providerLabel(config, trace.org_id, attempt.provider),
            model: this.models.of(config, trace.org_id, attempt.provider, attempt.model),
            outcome,
          });
      }
      // As the request log counts them (request-log-row.ts): plain attempts before the last.
      if (plain > 1) {
        const key = `f\u0000${route}`;
        counts.bump(key, plain - 1) || counts.open(key, this.fallbacks, plain - 1, { route });
      }
      for (const budget of trace.budgets) {
        const action = budget.action;
        if (action !== "block" && action !== "downgrade" && action !== "warn_only") continue;
        const key = `b\u0000${budget.name}\u0000${action}`;
        counts.bump(key, 1) ||
          counts.open(key, this.budgetActions, 1, { budget: budget.name, action });
      }
      const cache = trace.cache;
      if (cache !== "off") {
        const mode = trace.cache_detail?.mode ?? NONE;
        const key = `k\u0000${route}\u0000${mode}\u0000${cache}`;
        counts.bump(key, 1) ||
          counts.open(key, this.cacheRequests, 1, { route, mode, result: cache });
        const saved = cache === "hit" ? trace.cache_detail?.saved_usd : undefined;
        if (saved) {
          const savedKey = `s\u0000${route}\u0000${mode}`;
          counts.bump(savedKey, saved) ||
            counts.open(savedKey, this.cacheSaved, saved, { route, mode });
        }
      }
      if (trace.error?.code === "rate_limited" && trace.attempts.length === 0) {
        const key = `l\u0000${surface}`;
        counts.bump(key, 1) || counts.open(key, this.rateLimited, 1, { surface });
      }
    }
    counts.flush();
  }

  /** The labels and series keys of one request. */
  private seriesOf(
    trace: DecisionTrace,
    operation: RequestOperation,
    config: RuntimeConfig | null,
  ): RequestSeries {
    const served = trace.decision.provider;
    const winner = trace.decision.winner;
    const model =
      served === null || winner === null
        ? NONE
        : this.models.of(config, trace.org_id, served, winner);
    const provider = served === null ? NONE : providerLabel(config, trace.org_id, served);
    const route = routeLabel(trace, config);
    const { surface } = trace;
    // Label objects are made only for a batch's new series.
    const target = `${route}\u0000${provider}\u0000${model}`;
    const request = `${surface}\u0000${operation}\u0000${target}`;
    const status = statusClass(trace.status);
    return {
      orgId: trace.org_id,
      projectId: trace.project_id,
      served,
      winner,
      configSlug: trace.config?.slug ?? null,
      requestedModel: trace.requested_model,
      surface,
      operation,
      status,
      model,
      provider,
      route,
      target,
      request,
      requestKey: `r\u0000${request}\u0000${status}`,
      overheadKey: `${surface}\u0000${operation}`,
      tokenKeys: [],
      costKey: null,
      attemptProvider: null,
      attemptModel: null,
      attemptOutcome: null,
      attemptKey: null,
    };
  }
}

/** What a request's labels were made from, the labels, and its series keys (some made lazily). */
interface RequestSeries {
  orgId: string;
  projectId: string;
  served: string | null;
  winner: string | null;
  configSlug: string | null;
  requestedModel: string;
  surface: string;
  operation: RequestOperation;
  status: string;
  model: string;
  provider: string;
  route: string;
  target: string;
  request: string;
  requestKey: string;
  overheadKey: string;
  tokenKeys: Array<string | undefined>;
  costKey: string | null;
  attemptProvider: string | null;
  attemptModel: string | null;
  attemptOutcome: string | null;
  attemptKey: string | null;
}

/**
 * Whether `trace` gets the labels `series` was made with: the same org, project, route (its
 * config, or the model it asked for), provider and model served, surface, operation and status
 * class. Everything the labels are computed from, within one batch (one snapshot).
 */
function sameSeries(series: RequestSeries, trace: DecisionTrace, operation: string): boolean {
  return (
    series.winner === trace.decision.winner &&
    series.served === trace.decision.provider &&
    series.configSlug === (trace.config?.slug ?? null) &&
    series.requestedModel === trace.requested_model &&
    series.orgId === trace.org_id &&
    series.projectId === trace.project_id &&
    series.surface === trace.surface &&
    series.operation === operation &&
    series.status === statusClass(trace.status)
  );
}

/**
 * An attempt's counter key, kept on the request's series for the next request's same attempt.
 * The org is in it: the provider and model labels depend on what the org has (`other` for a
 * name it lacks), so two orgs' attempts of one provider name may not share a batch series.
 */
function attemptSeries(
  series: RequestSeries,
  orgId: string,
  provider: string,
  model: string,
  outcome: string,
): string {
  const key = `a\u0000${orgId}\u0000${provider}\u0000${model}\u0000${outcome}`;
  series.attemptProvider = provider;
  series.attemptModel = model;
  series.attemptOutcome = outcome;
  series.attemptKey = key;
  return key;
}

const TOKEN_TYPES = [
  ["input", "inputTokens"],
  ["output", "outputTokens"],
  ["cached", "cacheReadTokens"],
  ["cache_write", "cacheWriteTokens"],
  ["reasoning", "reasoningTokens"],
] as const;

/** A provider's name as the snapshot has it, `other` for one it does not (a stale trace). */
function providerLabel(config: RuntimeConfig | null, orgId: string, provider: string): string {
  return config?.providersByName.has(`${orgId}/${provider}`) ? provider : OTHER;
}

/**
 * Counter increments of one batch, summed per series, then handed to prom-client. Keys are the
 * caller's (a counter's tag and its label values), so a series seen before in the batch costs a
 * map lookup and an addition.
 */
class CounterBatch {
  private readonly sums = new Map<
    string,
    { counter: Counter<string>; labels: Labels; value: number }
  >();

  /** Adds to a series of this batch; false when the batch has none yet (then `open` it). */
  bump(key: string, value: number): boolean {
    const sum = this.sums.get(key);
    if (sum === undefined) return false;
    sum.value += value;
    return true;
  }

  open(key: string, counter: Counter<string>, value: number, labels: Labels): void {
    this.sums.set(key, { counter, labels, value });
  }

  flush(): void {
    for (const { counter, labels, value } of this.sums.values())
      if (value > 0) counter.inc(labels, value);
  }
}
