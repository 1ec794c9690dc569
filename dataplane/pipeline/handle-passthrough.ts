// Endpoints served only by upstreams of the caller's own shape (embeddings, token counting):
// the body goes up with `model` replaced; the answer comes back read into the endpoint's shape
// (only its fields), a body of any other shape is a 502, and an error is the closed set's.
import { type CanonicalUsage, emptyUsage } from "#shared/canonical/response.ts";
import { GatewayError, toGatewayError } from "#shared/errors/gateway-error.ts";
import { MAX_MODEL_CHARS, quoteClientValue } from "#shared/validation/client-text.ts";
import { lookupPassthroughCache } from "../cache/passthrough-cache.ts";
import type { DataPlaneContext } from "../context.ts";
import { usedTokens } from "../limits/admit-limits.ts";
import type { AdapterTarget, ProviderAdapter, UpstreamCall } from "../providers/adapter.ts";
import { adapterFor } from "../providers/registry.ts";
import { type Attempt, leafAttempts, type RoutePlan } from "../routing/plan.ts";
import { featuresOfBody } from "../routing/request-features.ts";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";
import { parseJsonObject } from "../surfaces/parse-body.ts";
import { modeluxHeaders } from "../surfaces/response-headers.ts";
import type { RequestOperation } from "../telemetry/telemetry.ts";
import { applyAttempts, startTrace } from "../trace/build-trace.ts";
import { type Admission, admit, URGENT_USED_PCT } from "./admit.ts";
import { authenticate } from "./authenticate.ts";
import { type AttemptRecord, executeAttempts } from "./execute-attempts.ts";
import { ownersOfFiles } from "./file-owners.ts";
import { redactorFor } from "./org-secrets.ts";
import { readModeluxFields } from "./request-context.ts";

export interface PassthroughEndpoint {
  /** What the endpoint is called in error messages, e.g. "embeddings". */
  name: string;
  /** What metrics and spans call it (the GenAI conventions' name); default its `name`. */
  operation?: RequestOperation;
  surface: "openai" | "anthropic";
  /** The adapter's builder for this endpoint, or undefined when its vendor has none. */
  build(
    adapter: ProviderAdapter,
  ): ((body: string, target: AdapterTarget) => Promise<UpstreamCall>) | undefined;
  /** The upstream's parsed 2xx JSON → the answer sent, or null when it is not of the shape. */
  readAnswer(json: unknown, servedModel: string): unknown | null;
  /** Answer without an upstream when no attempt's vendor serves the endpoint. */
  fallback?(body: Record<string, unknown>): unknown;
  /** Refuses, with a 400 naming the field, a body the endpoint must not send upstream. */
  validate?(body: Record<string, unknown>): void;
  /** Answers kept by the response cache when the config has one (docs/caching.md). */
  cached?: "embeddings";
  /**
   * The file ids the body cites (token counting: Anthropic `image` / `document` sources of type
   * `file`), which pin the route to the files' provider as on generation (file-owners.ts). An
   * endpoint without it (embeddings: its input is text or token ids, checked) cites none.
   */
  citedFileIds?(body: Record<string, unknown>): string[];
}

export async function handlePassthrough(
  request: Request,
  context: DataPlaneContext,
  requestId: string,
  endpoint: PassthroughEndpoint,
): Promise<Response> {
  const receivedAt = performance.now();
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  const body = await parseJsonObject(request);
  const fields = readModeluxFields(body, request.headers);
  if (typeof body.model !== "string" || body.model === "") {
    throw new GatewayError("invalid_request", "model is required and must be a string", {
      param: "model",
    });
  }
  if (body.model.length > MAX_MODEL_CHARS) {
    throw new GatewayError(
      "invalid_request",
      `model: must be at most ${MAX_MODEL_CHARS} characters`,
      {
        param: "model",
      },
    );
  }
  endpoint.validate?.(body);
  const trace = startTrace({
    requestId,
    nodeId: context.nodeId,
    key,
    surface: endpoint.surface,
    requestedModel: body.model,
    fields,
    stream: false,
    arrivedAtMs: Date.now(),
    features: featuresOfBody(body),
  });
  context.telemetry.begin(trace, request.headers);
  const records: AttemptRecord[] = [];
  let plan: RoutePlan | null = null;
  let admission: Admission | null = null;
  let served: Attempt | null = null;
  const emit = (status: number) => {
    trace.status = status;
    if (plan) applyAttempts(trace, plan, records, served);
    trace.latency_ms = Math.round((performance.now() - receivedAt) * 1000) / 1000;
    if (admission?.reservation)
      context.budgets.settle(
        admission.reservation,
        trace.cost_usd ?? 0,
        admission.check.maxUsedPct >= URGENT_USED_PCT,
      );
    if (admission?.limits) context.limits.settle(admission.limits, usedTokens(trace.usage));
    context.traces.emit(trace);
    context.telemetry.observe(trace, endpoint.operation ?? endpoint.name);
  };
  try {
    const response = await serve(body as Record<string, unknown> & { model: string });
    emit(response.status);
    return response;
  } catch (error) {
    const failure = toGatewayError(error);
    trace.error = { code: failure.code, message: failure.message };
    emit(failure.status);
    throw error;
  }

  async function serve(body: Record<string, unknown> & { model: string }): Promise<Response> {
    const owners = await ownersOfFiles(
      context.state,
      config as RuntimeConfig,
      key.orgId,
      endpoint.citedFileIds?.(body) ?? [],
    );
    admission = admit({
      context,
      config: config as RuntimeConfig,
      key,
      requestId,
      model: body.model,
      fields,
      features: featuresOfBody(body),
      nowMs: Date.now(),
      trace,
      fileOwners: owners,
    });
    plan = admission.plan;
    const cache = endpoint.cached
      ? await lookupPassthroughCache({
          context,
          config: config as RuntimeConfig,
          orgId: key.orgId,
          projectId: key.projectId,
          plan,
          trace,
          fields,
          kind: endpoint.cached,
          body,
        })
      : null;
    if (cache?.kind === "hit") {
      // The stored answer read again through the endpoint's filter, as an upstream's would be.
      const sent = endpoint.readAnswer(cache.entry.response, cache.entry.model);
      if (sent !== null) {
        const overheadMs = performance.now() - receivedAt;
        trace.overhead_ms = Math.round(overheadMs * 1000) / 1000;
        const headers = modeluxHeaders(
          requestId,
          plan,
          { provider: cache.entry.provider, model: cache.entry.model },
          overheadMs,
        );
        return new Response(JSON.stringify(sent), {
          status: 200,
          headers: {
            ...headers,
            ...admission.headers,
            "x-modelux-cost-usd": (0).toFixed(10),
            "x-modelux-cache": "HIT",
            "content-type": "application/json",
          },
        });
      }
    }
    // Cascades and ensembles compose chat answers; here their models are tried in order.
    const attempts = leafAttempts(plan).filter((attempt) => {
      const adapter = adapterFor(attempt.provider.vendor);
      return adapter !== undefined && endpoint.build(adapter) !== undefined;
    });
    if (attempts.length === 0) {
      if (endpoint.fallback) {
        const headers = modeluxHeaders(requestId, plan, null, performance.now() - receivedAt);
        return Response.json(endpoint.fallback(body), {
          headers: { ...headers, ...admission.headers, "x-modelux-estimated": "true" },
        });
      }
      throw new GatewayError(
        "invalid_request",
        `${quoteClientValue(body.model)} resolves to no provider that serves ${endpoint.name}`,
        { param: "model" },
      );
    }
    const answer = await executeAttempts(
      { attempts, retryOn: plan.retryOn, totalBudgetMs: plan.totalBudgetMs },
      (attempt, adapter) => {
        const build = endpoint.build(adapter);
        if (!build) throw new GatewayError("internal", "filtered attempt without a builder");
        return build(JSON.stringify({ ...body, model: attempt.model }), {
          provider: attempt.provider,
          model: attempt.model,
        });
      },
      {
        clientSignal: request.signal,
        redact: redactorFor(config as RuntimeConfig, key.orgId, fields.providerKeys),
        health: context.health,
        receivedAt,
        records,
        streaming: false,
        span: trace.span,
      },
    );
    served = answer.attempt;
    let text: string;
    try {
      text = await answer.response.text();
    } finally {
      answer.release();
    }
    const where = `${answer.attempt.provider.name}/${answer.attempt.model}`;
    const json = parseJson(text);
    const sent = json === undefined ? null : endpoint.readAnswer(json, answer.attempt.model);
    if (sent === null) {
      // An internal page, a proxy's text, another API's JSON: never handed to the caller as is.
      throw new GatewayError(
        "upstream_error",
        `${where} answered ${endpoint.name} with a body that is not ${endpoint.name} JSON`,
      );
    }
    const usage = usageOf(json);
    if (usage) {
      trace.usage = usage;
      const record = records.findLast((entry) => entry.attempt === answer.attempt);
      if (record) record.usage = usage;
    }
    if (cache?.kind === "fresh") cache.store?.(sent, usage, answer.attempt);
    const overheadMs = performance.now() - receivedAt - answer.upstreamMs;
    trace.overhead_ms = Math.round(overheadMs * 1000) / 1000;
    const headers = modeluxHeaders(
      requestId,
      plan,
      { provider: answer.attempt.provider.name, model: answer.attempt.model },
      overheadMs,
    );
    if (cache?.kind === "fresh") headers["x-modelux-cache"] = cache.header;
    return new Response(JSON.stringify(sent), {
      status: 200,
      headers: { ...headers, ...admission.headers, "content-type": "application/json" },
    });
  }
}

/**
 * Input tokens of a passthrough answer (embeddings: `usage.prompt_tokens`; Anthropic token
 * counting reports `input_tokens` but is not billed), as canonical usage for cost.
 */
function usageOf(parsed: unknown): CanonicalUsage | null {
  const usage = (parsed as { usage?: { prompt_tokens?: unknown } } | null)?.usage;
  const tokens = usage?.prompt_tokens;
  if (typeof tokens !== "number" || !(tokens >= 0)) return null;
  return { ...emptyUsage(), inputTokens: tokens };
}

/** The parsed body, or undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
