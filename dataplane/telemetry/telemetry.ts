// A data plane's telemetry (docs/operations.md): Prometheus metrics, the access log and
// OpenTelemetry spans, all fed by the finished decision trace of each request. The request path
// only queues the trace (one push); a drain a moment later, or the next scrape, records the
// batch. Gauges of the node's state are read at scrape time (node-gauges.ts).
import { Registry } from "prom-client";
import type { ObservabilitySettings, RequestTelemetrySettings } from "#shared/env/settings.ts";
import { createLogger, type ProcessLogger } from "#shared/log.ts";
import { withProcessMetrics } from "#shared/telemetry/process-metrics.ts";
import type { DecisionTrace } from "../trace/decision-trace.ts";
import { accessLogFields } from "./access-log.ts";
import { ModelLabels } from "./metric-labels.ts";
import { type NodeSources, registerNodeGauges } from "./node-gauges.ts";
import { type ObservedRequest, RequestMetrics, type RequestOperation } from "./request-metrics.ts";
import type { RequestSpans } from "./request-spans.ts";
import { type SpanExportSettings, spanExportFrom } from "./span-settings.ts";
import type { RequestSpan } from "./trace-context.ts";

export type { RequestOperation } from "./request-metrics.ts";

export type TelemetrySettings = Pick<
  ObservabilitySettings,
  "MODELUX_METRICS" | "MODELUX_METRICS_TOKEN"
> &
  RequestTelemetrySettings;

export interface DataPlaneTelemetryOptions {
  nodeId: string;
  sources: NodeSources;
  settings: TelemetrySettings;
  /** Where access log lines go; default the process log, component `access`. */
  accessLog?: ProcessLogger;
  /** Instead of the settings' OTLP export (tests: another batch delay). */
  spans?: SpanExportSettings | null;
  /** How long a finished request waits to be recorded with the ones after it. */
  drainDelayMs?: number;
  log?: ProcessLogger;
}

/** Past this many queued requests the drain runs at the next turn of the event loop. */
const EAGER_DRAIN = 2048;

export class DataPlaneTelemetry {
  /** Null when MODELUX_METRICS=off: no /metrics route, nothing recorded. */
  readonly registry: Registry | null;
  readonly metricsToken: string | null;
  private readonly metrics: RequestMetrics | null;
  private spans: RequestSpans | null = null;
  private startSpan: ((traceparent: string | null) => RequestSpan) | null = null;
  /** Resolves once span export is set up (the OpenTelemetry SDK is loaded only when it is on). */
  readonly ready: Promise<void>;
  private readonly accessLog: ProcessLogger | null;
  private readonly active: boolean;
  private pending: ObservedRequest[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;

  /** Records nothing (a replay plane inside the control plane). */
  static off(): DataPlaneTelemetry {
    return new DataPlaneTelemetry(null);
  }

  constructor(private readonly options: DataPlaneTelemetryOptions | null) {
    const settings = options?.settings;
    this.metricsToken = settings?.MODELUX_METRICS_TOKEN ?? null;
    if (options && settings?.MODELUX_METRICS === "on") {
      const own = new Registry();
      const models = new ModelLabels();
      this.metrics = new RequestMetrics(own, models);
      registerNodeGauges(own, options.sources, models);
      this.registry = withProcessMetrics(own);
    } else {
      this.registry = null;
      this.metrics = null;
    }
    const exportTo =
      options && settings
        ? options.spans === undefined
          ? spanExportFrom(settings, options.nodeId)
          : options.spans
        : null;
    this.ready = exportTo
      ? import("./request-spans.ts").then((module) => {
          this.spans = new module.RequestSpans(exportTo);
          this.startSpan = module.startRequestSpan;
        })
      : Promise.resolve();
    this.accessLog =
      settings?.MODELUX_ACCESS_LOG === "on" ? (options?.accessLog ?? createLogger("access")) : null;
    this.active = this.metrics !== null || exportTo !== null || this.accessLog !== null;
  }

  /** Whether requests get spans (and their upstream calls a `traceparent`). */
  get tracing(): boolean {
    return this.startSpan !== null;
  }

  /** On a request's arrival: its span, continuing the caller's `traceparent`, when tracing. */
  begin(trace: DecisionTrace, headers: Headers): void {
    if (this.startSpan !== null) trace.span = this.startSpan(headers.get("traceparent"));
  }

  /** A finished request, after its trace was emitted: queued, recorded off the request path. */
  observe(trace: DecisionTrace, operation: RequestOperation): void {
    if (!this.active) return;
    const count = this.pending.push({ trace, operation });
    if (count === 1) {
      this.timer = setTimeout(() => this.drain(), this.options?.drainDelayMs ?? 100);
      this.timer.unref?.();
    } else if (count === EAGER_DRAIN) {
      setImmediate(() => this.drain());
    }
  }

  /** Records what is queued now (before a scrape, at shutdown). */
  drain(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      const config = this.options?.sources.loader.current ?? null;
      this.metrics?.record(batch, config);
      for (const { trace, operation } of batch) {
        this.spans?.record(trace, operation, config);
        this.accessLog?.info("request", accessLogFields(trace, operation));
      }
    } catch (error) {
      // Telemetry never takes the node down; a failure shows once, then every thousandth time.
      if (this.failures++ % 1000 === 0)
        (this.options?.log ?? createLogger("telemetry")).error(
          `recording ${batch.length} requests failed: ${(error as Error).message}`,
        );
    }
  }

  /** The Prometheus text of this node's metrics, with what was queued recorded first. */
  async metricsText(): Promise<string> {
    this.drain();
    return this.registry ? this.registry.metrics() : "";
  }

  /** Spans queued for export are sent now (tests, shutdown). */
  async flushSpans(): Promise<void> {
    await this.ready;
    this.drain();
    await this.spans?.flush();
  }

  async stop(): Promise<void> {
    await this.ready.catch(() => {});
    this.drain();
    await this.spans?.shutdown().catch(() => {});
  }
}
