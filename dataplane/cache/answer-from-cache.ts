// A cache hit answered in the caller's shape, whatever shape filled the entry: the stored
// canonical response rendered by the request's surface (as JSON, or as its SSE stream, sent at
// once without pacing), with fresh ids, the usual X-Modelux-* headers and X-Modelux-Cache: HIT.
// The request is traced as a hit: no upstream answered it, it cost nothing but a semantic
// lookup's embedding, and the trace keeps what the call would have cost.
import type { CanonicalResponse } from "#shared/canonical/response.ts";
import { asAsync, responseEvents } from "#shared/canonical/response-events.ts";
import type { Generation } from "../pipeline/generation.ts";
import type { RoutePlan } from "../routing/plan.ts";
import { modeluxHeaders, warningsHeader } from "../surfaces/response-headers.ts";
import type { SurfaceRenderOptions } from "../surfaces/surface.ts";
import { isCanonicalResponse } from "./cache-entry.ts";
import type { CacheHit } from "./cache-stage.ts";

const ENCODER = new TextEncoder();

export function answerFromCache(generation: Generation, plan: RoutePlan, hit: CacheHit): Response {
  const { trace, binding, canonical } = generation;
  const { entry } = hit;
  // Checked when read; narrowed again here for the type.
  if (!isCanonicalResponse(entry.response)) throw new Error("a cache entry without a response");
  // Empty: each surface's renderer mints a fresh id, as for any answer.
  const response: CanonicalResponse = { ...entry.response, id: "" };
  trace.decision.winner = entry.model;
  trace.decision.provider = entry.provider;
  trace.decision.reason = `cache hit (${hit.similarity === null ? "exact" : "semantic"}); ${plan.reason}`;
  // Nothing was paid but a semantic lookup's embedding (priced from its attempt record).
  trace.cost_usd = 0;
  // A semantic lookup's embedding call is upstream time, not the gateway's.
  const overheadMs = performance.now() - generation.receivedAt - generation.recordedUpstreamMs();
  trace.overhead_ms = Math.round(overheadMs * 1000) / 1000;
  generation.finish(200, null, null);
  const options: SurfaceRenderOptions = {
    requestedModel: canonical.model,
    servedModel: entry.model,
    includeUsage: generation.clientWantsUsage,
    estimatedInputTokens: generation.features.inputTokens,
  };
  const headers = modeluxHeaders(
    generation.requestId,
    plan,
    { provider: entry.provider, model: entry.model },
    overheadMs,
  );
  headers["x-modelux-cost-usd"] = (trace.cost_usd ?? 0).toFixed(10);
  if (generation.admission) Object.assign(headers, generation.admission.headers);
  headers["x-modelux-cache"] = "HIT";
  if (hit.similarity !== null) headers["x-modelux-cache-similarity"] = hit.similarity.toFixed(4);
  const warnings = warningsHeader(generation.warnings);
  if (warnings !== undefined) headers["x-modelux-warnings"] = warnings;
  if (canonical.stream) {
    headers["content-type"] = "text/event-stream; charset=utf-8";
    headers["cache-control"] = "no-cache";
    let stream = binding.surface.renderStream(asAsync(responseEvents(response)), options);
    if (generation.fields.returnTrace) stream = withTraceEvent(stream, generation);
    return new Response(stream, { status: 200, headers });
  }
  const rendered = binding.surface.renderResponse(response, options) as Record<string, unknown>;
  if (generation.fields.returnTrace) rendered["mlx:trace"] = generation.shownTrace();
  headers["content-type"] = "application/json";
  return new Response(JSON.stringify(rendered), { status: 200, headers });
}

/** The surface's stream, then the trace as one last event (`event: mlx:trace`), as misses do. */
function withTraceEvent(
  stream: ReadableStream<Uint8Array>,
  generation: Generation,
): ReadableStream<Uint8Array> {
  const trailer = ENCODER.encode(
    `event: mlx:trace\ndata: ${JSON.stringify(generation.shownTrace())}\n\n`,
  );
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      flush: (controller) => controller.enqueue(trailer),
    }),
  );
}
