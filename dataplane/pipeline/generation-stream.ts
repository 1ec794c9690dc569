// A streamed answer: the upstream's stream piped through on the fast path (rewritten only where
// stream-guard applies the surface's transform), rendered from canonical events otherwise, or
// rendered from a cascade's or ensemble's finished answer. Usage is read on the side and what
// is sent counted, so a stream cut before the upstream's usage is still charged; the trace
// follows when the stream ends.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { asAsync, responseEvents } from "#shared/canonical/response-events.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Redact } from "#shared/errors/redact.ts";
import type { Attempt } from "../routing/plan.ts";
import type { ChunkTransform } from "../surfaces/sse-events.ts";
import type { SurfaceRenderOptions } from "../surfaces/surface.ts";
import type { PlanAnswer } from "./execute-plan.ts";
import { type Generation, roundMs } from "./generation.ts";
import { SentOutput, usageOfStream } from "./sent-output.ts";
import { guardStream } from "./stream-guard.ts";

const TRACE_EVENT = new TextEncoder();

export function answerStream(
  generation: Generation,
  answer: PlanAnswer,
  served: Attempt,
  fastPath: boolean,
): Response {
  const { binding, records, trace } = generation;
  const options: SurfaceRenderOptions = {
    requestedModel: generation.canonical.model,
    servedModel: served.model,
    includeUsage: generation.clientWantsUsage,
    estimatedInputTokens: generation.features.inputTokens,
  };
  // Counted as it goes out, so a stream cut before the upstream's usage is still charged.
  const sent = new SentOutput(binding.streamTextFields);
  const { stream, chunks } = streamOf(generation, answer, served, fastPath, options, sent);
  const ttft = records[records.length - 1]?.ttftMs;
  if (ttft !== undefined) trace.ttft_ms = roundMs(ttft);
  // The trace of a stream is complete when the stream ends; asked for, it follows as a last
  // SSE event (`event: mlx:trace`), which SDKs ignore.
  const trailer = generation.fields.returnTrace
    ? () => {
        generation.finish(200, served, generation.usage);
        const shown = JSON.stringify(generation.shownTrace());
        return TRACE_EVENT.encode(`event: mlx:trace\ndata: ${shown}\n\n`);
      }
    : undefined;
  const guarded = guardStream(
    stream,
    (message) => binding.streamErrorEvent(new GatewayError("upstream_error", message)),
    (outcome) => {
      if (answer.kind === "upstream") answer.release();
      const complete = outcome === "complete";
      const counted = usageOfStream(
        generation.usage,
        sent,
        generation.features.inputTokens,
        complete,
      );
      if (counted.estimated) trace.cost_estimated = true;
      generation.finishStream(complete ? 200 : 499, served, counted.usage);
    },
    trailer,
    chunks,
  );
  return generation.respond(guarded, "text/event-stream; charset=utf-8", served, answer.upstreamMs);
}

/** The stream to guard, and the fast path's rewrite of it (applied by the guard). */
function streamOf(
  generation: Generation,
  answer: PlanAnswer,
  served: Attempt,
  fastPath: boolean,
  options: SurfaceRenderOptions,
  sent: SentOutput,
): { stream: ReadableStream<Uint8Array>; chunks?: ChunkTransform } {
  const { binding, redact } = generation;
  const onUsage = (usage: CanonicalUsage) => {
    generation.usage = usage;
  };
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
    const clientWantsUsage = generation.clientWantsUsage;
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
      observeUsage(answer.adapter.parseStream(upstreamBody, served), onUsage, redact, sent),
      options,
    ),
  };
}

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
  // The stream guard passes the same `emit` for every chunk: its counting wrapper is made once
  // per stream, not once per chunk.
  let emitted: ((bytes: Uint8Array) => void) | null = null;
  let counting: (bytes: Uint8Array) => void = () => {};
  const counted = (emit: (bytes: Uint8Array) => void) => {
    if (emit !== emitted) {
      emitted = emit;
      counting = (bytes) => {
        sent.countBytes(bytes);
        emit(bytes);
      };
    }
    return counting;
  };
  return {
    transform: (chunk, emit) => chunks.transform(chunk, counted(emit)),
    flush: (emit) => chunks.flush(counted(emit)),
  };
}
