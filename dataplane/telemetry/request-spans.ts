// OpenTelemetry spans of finished requests (docs/operations.md): one server span per request and
// one client span per upstream attempt, with the GenAI semantic conventions' attributes, made
// after the request from its decision trace (explicit start and end times, the ids decided while
// it ran: trace-context.ts) and exported in batches over OTLP/HTTP, off the request path. Loaded
// only when traces are exported (telemetry.ts), so a node without them never loads the SDK.
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace as traceApi,
} from "@opentelemetry/api";
import { parseTraceParent } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type IdGenerator, TracerProvider } from "@opentelemetry/sdk-trace";
import { genAiProviderName } from "../providers/registry.ts";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";
import type { DecisionTrace, TraceAttempt } from "../trace/decision-trace.ts";
import type { RequestOperation } from "./request-metrics.ts";
import type { SpanExportSettings } from "./span-settings.ts";
import { type RequestSpan, randomHex } from "./trace-context.ts";

/** On a request's arrival: its span, continuing the caller's `traceparent` or starting a trace. */
export function startRequestSpan(traceparent: string | null): RequestSpan {
  const parent = traceparent ? parseTraceParent(traceparent) : null;
  if (parent === null) return { trace_id: randomHex(16), span_id: randomHex(8), sampled: true };
  return {
    trace_id: parent.traceId,
    span_id: randomHex(8),
    parent_span_id: parent.spanId,
    sampled: (parent.traceFlags & 1) === 1,
  };
}

/**
 * Hands the SDK the ids a span must have: the trace's own (a request without a caller's
 * `traceparent`) and the span's, decided while the request ran. Span creation is synchronous,
 * so what is planned is taken by the very next span.
 */
class PlannedIds implements IdGenerator {
  traceId: string | undefined;
  spanId: string | undefined;

  generateTraceId(): string {
    const id = this.traceId ?? randomHex(16);
    this.traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.spanId ?? randomHex(8);
    this.spanId = undefined;
    return id;
  }
}

export class RequestSpans {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;
  private readonly ids = new PlannedIds();

  constructor(settings: SpanExportSettings) {
    const options = { url: settings.url, headers: settings.headers, timeoutMillis: 10_000 };
    const exporter =
      settings.protocol === "http/json" ? new JsonExporter(options) : new ProtobufExporter(options);
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({
        "service.name": settings.serviceName,
        "service.instance.id": settings.nodeId,
      }),
      idGenerator: this.ids,
      spanProcessors: [
        new BatchSpanProcessor({
          exporter,
          maxQueueSize: 8192,
          maxExportBatchSize: 512,
          scheduledDelayMillis: settings.batchDelayMs ?? 2000,
        }),
      ],
    });
    this.tracer = this.provider.getTracer("modelux");
  }

  /** The request's span and its attempts' spans; nothing for a caller's unsampled trace. */
  record(trace: DecisionTrace, operation: RequestOperation, config: RuntimeConfig | null): void {
    const span = trace.span;
    if (!span?.sampled) return;
    const start = trace.timestamp;
    const parent = span.parent_span_id
      ? traceApi.setSpanContext(ROOT_CONTEXT, {
          traceId: span.trace_id,
          spanId: span.parent_span_id,
          traceFlags: 1,
          isRemote: true,
        })
      : ROOT_CONTEXT;
    const vendorOf = (provider: string | null) =>
      provider === null
        ? undefined
        : config?.providersByName.get(`${trace.org_id}/${provider}`)?.vendor;
    const servedVendor = vendorOf(trace.decision.provider);
    const request = this.start(
      `${operation} ${trace.requested_model}`,
      SpanKind.SERVER,
      start,
      requestAttributes(trace, operation, servedVendor),
      parent,
      span.trace_id,
      span.span_id,
    );
    const requestContext = traceApi.setSpan(ROOT_CONTEXT, request);
    for (const attempt of trace.attempts) {
      const attemptStart = start + attempt.started_ms;
      const child = this.start(
        `${operation} ${attempt.model}`,
        SpanKind.CLIENT,
        attemptStart,
        attemptAttributes(attempt, operation, vendorOf(attempt.provider)),
        requestContext,
        undefined,
        attempt.span_id,
      );
      if (typeof attempt.status !== "number" || attempt.status >= 400)
        child.setStatus({
          code: SpanStatusCode.ERROR,
          message: attempt.error ?? String(attempt.status),
        });
      child.end(attemptStart + attempt.latency_ms);
    }
    if (trace.status >= 500)
      request.setStatus({ code: SpanStatusCode.ERROR, message: trace.error?.code ?? "error" });
    request.end(start + (trace.latency_ms ?? 0));
  }

  /** Sends what is queued now. */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  private start(
    name: string,
    kind: SpanKind,
    startTime: number,
    attributes: Attributes,
    parent: Context,
    traceId: string | undefined,
    spanId: string | undefined,
  ): Span {
    this.ids.traceId = traceId;
    this.ids.spanId = spanId;
    return this.tracer.startSpan(name, { kind, startTime, attributes }, parent);
  }
}

function requestAttributes(
  trace: DecisionTrace,
  operation: RequestOperation,
  vendor: string | undefined,
): Attributes {
  const attributes: Attributes = {
    "gen_ai.operation.name": operation,
    "gen_ai.request.model": trace.requested_model,
    "http.response.status_code": trace.status,
    "modelux.request_id": trace.request_id,
    "modelux.surface": trace.surface,
    "modelux.route": trace.config ? `@${trace.config.slug}` : "direct",
    "modelux.org_id": trace.org_id,
    "modelux.project_id": trace.project_id,
    "modelux.key_id": trace.key_id,
    "modelux.stream": trace.stream,
    "modelux.decision": trace.decision.reason,
  };
  if (vendor !== undefined) attributes["gen_ai.provider.name"] = genAiProviderName(vendor);
  if (trace.decision.winner !== null) attributes["gen_ai.response.model"] = trace.decision.winner;
  if (trace.decision.provider !== null) attributes["modelux.provider"] = trace.decision.provider;
  if (trace.config) attributes["modelux.config_version"] = trace.config.version;
  if (trace.request.max_tokens !== null)
    attributes["gen_ai.request.max_tokens"] = trace.request.max_tokens;
  if (trace.request.temperature !== null)
    attributes["gen_ai.request.temperature"] = trace.request.temperature;
  if (trace.usage) {
    attributes["gen_ai.usage.input_tokens"] = trace.usage.inputTokens;
    attributes["gen_ai.usage.output_tokens"] = trace.usage.outputTokens;
  }
  if (trace.cost_usd !== null) attributes["modelux.cost_usd"] = trace.cost_usd;
  if (trace.overhead_ms !== null) attributes["modelux.overhead_ms"] = trace.overhead_ms;
  if (trace.client_request_id) attributes["modelux.client_request_id"] = trace.client_request_id;
  if (trace.error) attributes["error.type"] = trace.error.code;
  return attributes;
}

function attemptAttributes(
  attempt: TraceAttempt,
  operation: RequestOperation,
  vendor: string | undefined,
): Attributes {
  const attributes: Attributes = {
    "gen_ai.operation.name": operation,
    "gen_ai.request.model": attempt.model,
    "modelux.provider": attempt.provider,
  };
  if (vendor !== undefined) attributes["gen_ai.provider.name"] = genAiProviderName(vendor);
  if (typeof attempt.status === "number") {
    attributes["http.response.status_code"] = attempt.status;
    if (attempt.status < 400) attributes["gen_ai.response.model"] = attempt.model;
    else attributes["error.type"] = attempt.error ?? String(attempt.status);
  } else {
    attributes["error.type"] = attempt.status;
  }
  if (attempt.role !== undefined) attributes["modelux.attempt.role"] = attempt.role;
  if (attempt.usage) {
    attributes["gen_ai.usage.input_tokens"] = attempt.usage.inputTokens;
    attributes["gen_ai.usage.output_tokens"] = attempt.usage.outputTokens;
  }
  if (attempt.cost_usd !== undefined) attributes["modelux.cost_usd"] = attempt.cost_usd;
  return attributes;
}
