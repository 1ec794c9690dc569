// One generation request as it moves through the pipeline (DESIGN §4): what the surface parsed,
// who asked, the plan and the attempts, and the trace it ends with. Made once per request by
// `startGeneration`; each stage of handle-generation.ts reads it and leaves its part on it.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import { toGatewayError } from "#shared/errors/gateway-error.ts";
import type { Redact } from "#shared/errors/redact.ts";
import { createLogger } from "#shared/log.ts";
import type { DataPlaneContext } from "../context.ts";
import { usedTokens } from "../limits/admit-limits.ts";
import type { Attempt, RoutePlan } from "../routing/plan.ts";
import { type RequestFeatures, requestFeatures } from "../routing/request-features.ts";
import type { RuntimeApiKey, RuntimeConfig } from "../snapshot/runtime-config.ts";
import type { SurfaceBinding } from "../surfaces/binding.ts";
import { modeluxHeaders, warningsHeader } from "../surfaces/response-headers.ts";
import { applyAttempts, applyServedUsage, startTrace } from "../trace/build-trace.ts";
import { captureContent, capturesContent } from "../trace/capture.ts";
import type { DecisionTrace } from "../trace/decision-trace.ts";
import { type Admission, URGENT_USED_PCT } from "./admit.ts";
import type { AttemptRecord } from "./execute-attempts.ts";
import { redactorFor } from "./org-secrets.ts";
import { type ModeluxFields, readModeluxFields } from "./request-context.ts";

export interface GenerationStart {
  request: Request;
  context: DataPlaneContext;
  requestId: string;
  binding: SurfaceBinding;
  config: RuntimeConfig;
  key: RuntimeApiKey;
  /** The client's JSON body, as read (its `mlx:` fields are removed here). */
  body: Record<string, unknown>;
  /** `performance.now()` and `Date.now()` when the request arrived. */
  receivedAt: number;
  arrivedAtMs: number;
}

/** Surface parse: the modelux fields, then the body in the surface's shape → canonical. */
export function startGeneration(start: GenerationStart): Generation {
  const fields = readModeluxFields(start.body, start.request.headers);
  const redact = redactorFor(start.config, start.key.orgId, fields.providerKeys);
  const parsed = start.binding.surface.parseRequest(start.body, start.request.headers);
  return new Generation(start, fields, redact, parsed.value, [...parsed.warnings]);
}

export class Generation {
  readonly request: Request;
  readonly context: DataPlaneContext;
  readonly requestId: string;
  readonly binding: SurfaceBinding;
  readonly config: RuntimeConfig;
  readonly key: RuntimeApiKey;
  readonly body: Record<string, unknown>;
  readonly receivedAt: number;
  readonly arrivedAtMs: number;
  readonly features: RequestFeatures;
  readonly trace: DecisionTrace;
  /** Every attempt made, in order (shared with the executors). */
  readonly records: AttemptRecord[] = [];
  plan: RoutePlan | null = null;
  admission: Admission | null = null;
  /** OpenAI: whether the client asked for the usage chunk (the fast path asks for it anyway). */
  readonly clientWantsUsage: boolean;
  /** The usage known so far: a stream's running counts, an answer's final ones. */
  usage: CanonicalUsage | null = null;
  /** The answer's text, for content capture (non-streamed answers only). */
  answerText: string | null = null;
  private finished = false;

  constructor(
    start: GenerationStart,
    readonly fields: ModeluxFields,
    readonly redact: Redact,
    readonly canonical: CanonicalRequest,
    readonly warnings: ConversionWarning[],
  ) {
    this.request = start.request;
    this.context = start.context;
    this.requestId = start.requestId;
    this.binding = start.binding;
    this.config = start.config;
    this.key = start.key;
    this.body = start.body;
    this.clientWantsUsage = start.binding.clientWantsUsage(start.body);
    this.receivedAt = start.receivedAt;
    this.arrivedAtMs = start.arrivedAtMs;
    this.features = requestFeatures(canonical);
    this.trace = startTrace({
      requestId: start.requestId,
      nodeId: start.context.nodeId,
      key: start.key,
      surface: start.binding.name,
      requestedModel: canonical.model,
      fields,
      stream: canonical.stream,
      arrivedAtMs: start.arrivedAtMs,
      features: this.features,
    });
    this.trace.warnings = warnings;
    start.context.telemetry.begin(this.trace, start.request.headers);
  }

  /**
   * Account and trace, once per request: usage and cost onto the trace, the budget reservation
   * settled with what the request really cost (paid attempts included), the trace emitted.
   */
  finish(status: number, served: Attempt | null, usage: CanonicalUsage | null): void {
    const trace = this.account(status, served, usage);
    if (trace === null) return;
    this.context.traces.emit(trace);
    this.context.telemetry.observe(trace, "chat");
  }

  /**
   * finish() for a stream that has ended (its last bytes are out): the trace joins the turn's
   * group write when the emitter has one, as a plain answer's does, but nothing waits for it. A
   * row written this way costs no `write` of its own when other requests finish in the same
   * turn. A failed write is logged (the client has its stream; `emit` would throw into the
   * stream's end instead).
   */
  finishStream(status: number, served: Attempt | null, usage: CanonicalUsage | null): void {
    this.finishBeforeAnswer(status, served, usage)?.catch(streamRowNotWritten);
  }

  /**
   * finish() for an answer sent whole once this resolves: the trace joins the emitter's group
   * write when it has one (the write-ahead log: one `write` for the rows of every request
   * finished in the same turn of the event loop), so the answer still follows its row.
   */
  finishBeforeAnswer(
    status: number,
    served: Attempt | null,
    usage: CanonicalUsage | null,
  ): Promise<void> | undefined {
    const trace = this.account(status, served, usage);
    if (trace === null) return undefined;
    const traces = this.context.traces;
    let written: Promise<void> | undefined;
    if (traces.emitGrouped) written = traces.emitGrouped(trace) ?? undefined;
    else traces.emit(trace);
    this.context.telemetry.observe(trace, "chat");
    return written;
  }

  /** Usage and cost onto the trace, the budget settled; the trace, or null the second time. */
  private account(
    status: number,
    served: Attempt | null,
    usage: CanonicalUsage | null,
  ): DecisionTrace | null {
    if (this.finished) return null;
    this.finished = true;
    const trace = this.trace;
    const settings = this.config.projects.get(this.key.projectId)?.settings;
    // The prompt is assembled only for a project that captures content.
    if (capturesContent(settings)) {
      const captured = captureContent(
        settings,
        this.binding.capturedPrompt?.(this.body) ?? {
          system: this.body.system,
          messages: this.body.messages,
        },
        this.answerText,
      );
      if (captured) trace.content = captured;
    }
    trace.status = status;
    if (this.plan) {
      if (served) applyServedUsage(trace, this.records, served, usage);
      applyAttempts(trace, this.plan, this.records, served);
    }
    if (usage) trace.usage = usage;
    trace.latency_ms = roundMs(performance.now() - this.receivedAt);
    const admission = this.admission;
    if (admission?.reservation)
      this.context.budgets.settle(
        admission.reservation,
        trace.cost_usd ?? 0,
        admission.check.maxUsedPct >= URGENT_USED_PCT,
      );
    if (admission?.limits) this.context.limits.settle(admission.limits, usedTokens(trace.usage));
    return trace;
  }

  /**
   * The gateway's own time so far (wall time minus the time spent waiting on upstreams) onto the
   * trace: for an answer whose trace is written before its response is made (a plain answer's
   * row would otherwise be written without it).
   */
  measureOverhead(upstreamMs: number): void {
    this.trace.overhead_ms = roundMs(performance.now() - this.receivedAt - upstreamMs);
  }

  /** The upstream time of the calls recorded so far (attempts, a cache lookup's embedding). */
  recordedUpstreamMs(): number {
    let total = 0;
    for (const record of this.records) total += record.latencyMs;
    return total;
  }

  /** A failure before the answer started: traced with its code, then rethrown by the caller. */
  fail(error: unknown): void {
    const failure = toGatewayError(error);
    this.trace.error = { code: failure.code, message: failure.message };
    // The gateway's own time, as for an answer: the wall time less the attempts' upstream time
    // (none for a request refused before any attempt).
    if (this.trace.overhead_ms === null) this.measureOverhead(this.recordedUpstreamMs());
    this.finish(failure.status, null, null);
  }

  /**
   * The 200 response with the X-Modelux-* headers; the overhead is the time so far minus the
   * time spent waiting on upstreams.
   */
  respond(
    body: ConstructorParameters<typeof Response>[0],
    contentType: string,
    served: Attempt,
    upstreamMs: number,
  ): Response {
    const overheadMs = performance.now() - this.receivedAt - upstreamMs;
    // A plain answer's trace has its overhead already (measureOverhead, before its row was
    // written); a stream's is this, taken when its headers go out.
    this.trace.overhead_ms ??= roundMs(overheadMs);
    // A plain object handed to Response once: cheaper than a Headers filled call by call.
    const headers = modeluxHeaders(
      this.requestId,
      this.plan,
      { provider: served.provider.name, model: served.model },
      overheadMs,
    );
    if (this.trace.cost_usd !== null)
      headers["x-modelux-cost-usd"] = this.trace.cost_usd.toFixed(10);
    if (this.admission) Object.assign(headers, this.admission.headers);
    // A stream's headers go first: the warnings known by then (the request's conversion).
    const warnings = warningsHeader(this.warnings);
    if (warnings !== undefined) headers["x-modelux-warnings"] = warnings;
    headers["content-type"] = contentType;
    if (contentType.startsWith("text/event-stream")) headers["cache-control"] = "no-cache";
    return new Response(body, { status: 200, headers });
  }

  /** The trace as shown to the client under `mlx:trace` (captured content left out). */
  shownTrace(): DecisionTrace {
    return { ...this.trace, content: undefined };
  }
}

const traceLog = createLogger("traces");
const streamRowNotWritten = (error: Error) =>
  traceLog.warn(`a stream's trace row was not written: ${error.message}`);

export const roundMs = (value: number) => Math.round(value * 1000) / 1000;
