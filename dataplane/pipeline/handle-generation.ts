// The request pipeline for generation endpoints (DESIGN §4), the same for every surface:
// authenticate, parse, route, execute, answer in the caller's shape, trace. Same-shape attempts
// take the fast path (the client's body with only `model` replaced, the stream piped through);
// others are translated through the canonical model; cascades and ensembles answer from a
// finished canonical response.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalResponse, CanonicalUsage } from "#shared/canonical/response.ts";
import { asAsync, responseEvents } from "#shared/canonical/response-events.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import { GatewayError, toGatewayError } from "#shared/errors/gateway-error.ts";
import type { Redact } from "#shared/errors/redact.ts";
import type { DataPlaneContext } from "../context.ts";
import type { ProviderAdapter } from "../providers/adapter.ts";
import type { Attempt, RoutePlan } from "../routing/plan.ts";
import { requestFeatures } from "../routing/request-features.ts";
import type { SurfaceBinding } from "../surfaces/binding.ts";
import { parseJsonObject } from "../surfaces/parse-body.ts";
import { modeluxHeaders } from "../surfaces/response-headers.ts";
import type { ChunkTransform } from "../surfaces/sse-events.ts";
import { applyAttempts, applyServedUsage, startTrace } from "../trace/build-trace.ts";
import { captureContent } from "../trace/capture.ts";
import { type Admission, admit, URGENT_USED_PCT } from "./admit.ts";
import { authenticate } from "./authenticate.ts";
import { dryRunResponse } from "./dry-run.ts";
import type { AttemptRecord } from "./execute-attempts.ts";
import { executePlan, type PlanAnswer } from "./execute-plan.ts";
import { redactorFor } from "./org-secrets.ts";
import { readModeluxFields } from "./request-context.ts";
import { SentOutput, usageOfStream } from "./sent-output.ts";
import { guardStream } from "./stream-guard.ts";

const TRACE_EVENT = new TextEncoder();

export async function handleGeneration(
  request: Request,
  context: DataPlaneContext,
  requestId: string,
  binding: SurfaceBinding,
): Promise<Response> {
  const receivedAt = performance.now();
  const arrivedAtMs = Date.now();
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  const body = await parseJsonObject(request);
  const fields = readModeluxFields(body, request.headers);
  const redact = redactorFor(config, key.orgId);
  const parsed = binding.surface.parseRequest(body, request.headers);
  const canonical = parsed.value;
  const requestedModel = canonical.model;
  const warnings: ConversionWarning[] = [...parsed.warnings];
  const records: AttemptRecord[] = [];
  const features = requestFeatures(canonical);
  const trace = startTrace({
    requestId,
    nodeId: context.nodeId,
    key,
    surface: binding.name,
    requestedModel,
    fields,
    stream: canonical.stream,
    arrivedAtMs,
    features,
  });
  trace.warnings = warnings;
  let plan: RoutePlan | null = null;
  let admission: Admission | null = null;
  let emitted = false;
  let answerText: string | null = null;
  const emit = (status: number, served: Attempt | null, usage: CanonicalUsage | null) => {
    if (emitted) return;
    emitted = true;
    const captured = captureContent(
      config.projects.get(key.projectId)?.settings,
      { system: body.system, messages: body.messages },
      answerText,
    );
    if (captured) trace.content = captured;
    trace.status = status;
    if (plan) {
      if (served) applyServedUsage(trace, records, served, usage);
      applyAttempts(trace, plan, records, served);
    }
    if (usage) trace.usage = usage;
    trace.latency_ms = round(performance.now() - receivedAt);
    // The reservation gives way to what the request really cost, paid attempts included.
    if (admission?.reservation)
      context.budgets.settle(
        admission.reservation,
        trace.cost_usd ?? 0,
        admission.check.maxUsedPct >= URGENT_USED_PCT,
      );
    context.traces.emit(trace);
  };

  try {
    admission = admit({
      context,
      config,
      key,
      requestId,
      model: requestedModel,
      fields,
      features,
      nowMs: arrivedAtMs,
      trace,
    });
    plan = admission.plan;
    if (fields.dryRun) {
      trace.overhead_ms = round(performance.now() - receivedAt);
      emit(200, null, null);
      return dryRunResponse(requestId, plan, trace, admission.headers);
    }
    return await serve(plan, admission.headers);
  } catch (error) {
    const failure = toGatewayError(error);
    trace.error = { code: failure.code, message: failure.message };
    emit(failure.status, null, null);
    throw error;
  }

  async function serve(plan: RoutePlan, budgetHeaders: Record<string, string>): Promise<Response> {
    let clientWantsUsage = true;
    const sameShape = (adapter: ProviderAdapter) =>
      adapter.shape === binding.surface.shape && adapter.buildPassthrough !== undefined;
    const makeCall = async (attempt: Attempt, adapter: ProviderAdapter) => {
      const target = { provider: attempt.provider, model: attempt.model };
      if (sameShape(adapter) && adapter.buildPassthrough) {
        const prepared = binding.passthroughBody(body, attempt.model, canonical.stream);
        clientWantsUsage = prepared.clientWantsUsage;
        return adapter.buildPassthrough(
          prepared.body,
          canonical.stream,
          target,
          canonical.forwardHeaders,
        );
      }
      const built = await adapter.buildRequest(
        { ...canonical, model: attempt.model } satisfies CanonicalRequest,
        target,
      );
      warnings.push(...built.warnings);
      return built.value;
    };

    const answer = await executePlan(
      plan,
      canonical,
      makeCall,
      {
        clientSignal: request.signal,
        redact,
        health: context.health,
        receivedAt,
        records,
        streaming: canonical.stream,
      },
      warnings,
    );
    const served = answer.kind === "upstream" ? answer.attempt : answer.served;
    if (answer.kind === "composed") trace.decision.reason = `${plan.reason}: ${answer.reason}`;
    const fastPath = answer.kind === "upstream" && sameShape(answer.adapter);
    trace.fast_path = fastPath;
    const renderOptions = {
      requestedModel,
      servedModel: served.model,
      includeUsage: clientWantsUsage,
    };
    const finish = (
      responseBody: ConstructorParameters<typeof Response>[0],
      status: number,
      contentType: string,
    ) => {
      const overheadMs = performance.now() - receivedAt - answer.upstreamMs;
      trace.overhead_ms = round(overheadMs);
      // A plain object handed to Response once: cheaper than a Headers filled call by call.
      const headers = modeluxHeaders(
        requestId,
        plan,
        { provider: served.provider.name, model: served.model },
        overheadMs,
      );
      if (trace.cost_usd !== null) headers["x-modelux-cost-usd"] = trace.cost_usd.toFixed(10);
      Object.assign(headers, budgetHeaders);
      headers["content-type"] = contentType;
      if (contentType.startsWith("text/event-stream")) headers["cache-control"] = "no-cache";
      return new Response(responseBody, { status, headers });
    };
    let usage: CanonicalUsage | null = null;
    const onUsage = (value: CanonicalUsage) => {
      usage = value;
    };

    if (canonical.stream) {
      // Counted as it goes out, so a stream cut before the upstream's usage is still charged.
      const sent = new SentOutput(binding.streamTextFields);
      const { stream, chunks } = streamOf(
        answer,
        fastPath,
        clientWantsUsage,
        onUsage,
        renderOptions,
        sent,
      );
      const errorEvent = (message: string) =>
        binding.streamErrorEvent(new GatewayError("upstream_error", message));
      const ttft = records[records.length - 1]?.ttftMs;
      if (ttft !== undefined) trace.ttft_ms = round(ttft);
      // The trace of a stream is complete when the stream ends; asked for, it follows as a last
      // SSE event (`event: mlx:trace`), which SDKs ignore.
      const trailer = fields.returnTrace
        ? () => {
            emit(200, served, usage);
            const shown = JSON.stringify({ ...trace, content: undefined });
            return TRACE_EVENT.encode(`event: mlx:trace\ndata: ${shown}\n\n`);
          }
        : undefined;
      return finish(
        guardStream(
          stream,
          errorEvent,
          (outcome) => {
            if (answer.kind === "upstream") answer.release();
            const complete = outcome === "complete";
            const counted = usageOfStream(usage, sent, features.inputTokens, complete);
            if (counted.estimated) trace.cost_estimated = true;
            emit(complete ? 200 : 499, served, counted.usage);
          },
          trailer,
          chunks,
        ),
        200,
        "text/event-stream; charset=utf-8",
      );
    }

    let response: CanonicalResponse;
    let text: string | null = null;
    if (answer.kind === "composed") {
      response = answer.response;
    } else {
      const raw = await answer.response.text().finally(answer.release);
      text = raw;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new GatewayError(
          "upstream_error",
          `${served.provider.name}/${served.model} answered with invalid JSON`,
        );
      }
      if (fastPath && !binding.isAnswer(json)) {
        // The fast path hands the upstream's bytes on: only when they are an answer of this shape.
        throw new GatewayError(
          "upstream_error",
          `${served.provider.name}/${served.model} answered with a body that is not a ${binding.name} answer`,
        );
      }
      const converted = answer.adapter.parseResponse(json);
      warnings.push(...converted.warnings);
      response = converted.value;
    }
    usage = response.usage;
    answerText = textOf(response);
    emit(200, served, response.usage);
    if (fastPath && text !== null && !fields.returnTrace)
      return finish(text, 200, "application/json");
    const rendered =
      fastPath && text !== null
        ? (JSON.parse(text) as Record<string, unknown>)
        : (binding.surface.renderResponse(response, renderOptions) as Record<string, unknown>);
    if (fields.returnTrace) rendered["mlx:trace"] = { ...trace, content: undefined };
    return finish(JSON.stringify(rendered), 200, "application/json");

    /** The stream to guard, and the fast path's rewrite of it (applied by the guard). */
    function streamOf(
      answer: PlanAnswer,
      fastPath: boolean,
      clientWantsUsage: boolean,
      onUsage: (usage: CanonicalUsage) => void,
      options: typeof renderOptions,
      sent: SentOutput,
    ): { stream: ReadableStream<Uint8Array>; chunks?: ChunkTransform } {
      if (answer.kind === "composed") {
        onUsage(answer.response.usage);
        return {
          stream: binding.surface.renderStream(asAsync(responseEvents(answer.response)), options),
        };
      }
      const upstreamBody =
        answer.response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
      if (fastPath) {
        if (!isEventStream(answer.response)) {
          // An HTML page or a JSON body is not a stream to pipe through: nothing was sent yet.
          answer.release();
          upstreamBody.cancel().catch(() => {});
          throw new GatewayError(
            "upstream_error",
            `${served.provider.name}/${served.model} answered a stream with a body that is not an event stream`,
          );
        }
        return {
          stream: upstreamBody,
          chunks: countingSent(
            binding.passthroughTransform({ clientWantsUsage, onUsage, redact }),
            sent,
          ),
        };
      }
      return {
        stream: binding.surface.renderStream(
          observeUsage(answer.adapter.parseStream(upstreamBody), onUsage, redact, sent),
          options,
        ),
      };
    }
  }
}

const round = (value: number) => Math.round(value * 1000) / 1000;

const isEventStream = (response: Response) =>
  (response.headers.get("content-type") ?? "").toLowerCase().startsWith("text/event-stream");

/**
 * Kept for the trace: a stream's final usage, merged field by field from its usage events. An
 * upstream's error event passes with its message scrubbed of the org's credentials.
 */
async function* observeUsage<T extends { type: string }>(
  events: AsyncIterable<T>,
  onUsage: (usage: CanonicalUsage) => void,
  redact: Redact,
  sent: SentOutput,
): AsyncIterable<T> {
  let usage: CanonicalUsage | null = null;
  for await (const event of events) {
    sent.countEvent(event);
    if (event.type === "error") {
      const failed = event as unknown as { message: string };
      yield { ...event, message: redact(failed.message) };
      continue;
    }
    if (event.type === "usage") {
      const partial = (event as unknown as { usage: Partial<CanonicalUsage> }).usage;
      usage = {
        ...(usage ?? {
          inputTokens: 0,
          outputTokens: 0,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          reasoningTokens: 0,
        }),
        ...partial,
      };
      onUsage(usage);
    }
    yield event;
  }
}

/** The fast path's rewrite, with what it forwards counted (whole SSE events only). */
function countingSent(chunks: ChunkTransform, sent: SentOutput): ChunkTransform {
  const counted = (emit: (bytes: Uint8Array) => void) => (bytes: Uint8Array) => {
    sent.countBytes(bytes);
    emit(bytes);
  };
  return {
    transform: (chunk, emit) => chunks.transform(chunk, counted(emit)),
    flush: (emit) => chunks.flush(counted(emit)),
  };
}

/** The answer's text for content capture (tool calls as name(arguments)). */
function textOf(response: CanonicalResponse): string {
  return response.content
    .map((block) => {
      if (block.type === "text") return block.text;
      if (block.type === "tool-use") return `${block.name}(${JSON.stringify(block.input)})`;
      return "";
    })
    .join("");
}
