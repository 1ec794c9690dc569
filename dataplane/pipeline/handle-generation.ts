// The request pipeline for generation endpoints (DESIGN §4), the same for every surface:
// authenticate, parse, route, execute, answer in the caller's shape. Same-shape attempts take
// the fast path (the client's body with only `model` replaced, the stream piped through);
// others are translated through the canonical model.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { DataPlaneContext } from "../context.ts";
import type { ProviderAdapter } from "../providers/adapter.ts";
import type { Attempt } from "../routing/plan.ts";
import { planRoute } from "../routing/plan.ts";
import type { SurfaceBinding } from "../surfaces/binding.ts";
import { parseJsonObject } from "../surfaces/parse-body.ts";
import { modeluxHeaders } from "../surfaces/response-headers.ts";
import { authenticate } from "./authenticate.ts";
import { executeAttempts } from "./execute-attempts.ts";
import { guardStream } from "./stream-guard.ts";

/** What the pipeline learned about one request; the trace (issue 4) and accounting read it. */
export interface GenerationOutcome {
  usage: CanonicalUsage | null;
  warnings: ConversionWarning[];
  fastPath: boolean;
}

export async function handleGeneration(
  request: Request,
  context: DataPlaneContext,
  requestId: string,
  binding: SurfaceBinding,
): Promise<Response> {
  const receivedAt = performance.now();
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  const body = await parseJsonObject(request);
  for (const field of Object.keys(body)) if (field.startsWith("mlx:")) delete body[field];
  const parsed = binding.surface.parseRequest(body, request.headers);
  const canonical = parsed.value;
  const requestedModel = canonical.model;
  const plan = planRoute(config, key, requestedModel);
  const outcome: GenerationOutcome = {
    usage: null,
    warnings: [...parsed.warnings],
    fastPath: false,
  };

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
    outcome.warnings.push(...built.warnings);
    return built.value;
  };

  const answer = await executeAttempts(plan, makeCall, {
    clientSignal: request.signal,
    passClientErrorsThrough: sameShape,
  });
  const fastPath = sameShape(answer.adapter);
  outcome.fastPath = fastPath;
  const renderOptions = {
    requestedModel,
    servedModel: answer.attempt.model,
    includeUsage: clientWantsUsage,
  };
  const headers = new Headers();
  const finish = (
    responseBody: ConstructorParameters<typeof Response>[0],
    status: number,
    contentType: string,
  ) => {
    const overheadMs = performance.now() - receivedAt - answer.upstreamMs;
    for (const [name, value] of Object.entries(
      modeluxHeaders(
        requestId,
        plan,
        { provider: answer.attempt.provider.name, model: answer.attempt.model },
        overheadMs,
      ),
    )) {
      headers.set(name, value);
    }
    headers.set("content-type", contentType);
    if (contentType.startsWith("text/event-stream")) headers.set("cache-control", "no-cache");
    return new Response(responseBody, { status, headers });
  };
  const onUsage = (usage: CanonicalUsage) => {
    outcome.usage = usage;
  };

  if (!answer.response.ok) {
    // A client error from a same-shape upstream, passed through as the provider wrote it.
    return finish(await answer.response.text(), answer.response.status, "application/json");
  }
  const upstreamBody = answer.response.body;
  if (canonical.stream && upstreamBody) {
    const errorEvent = (message: string) =>
      binding.streamErrorEvent(new GatewayError("upstream_error", message));
    const stream = fastPath
      ? binding.passthroughStream(upstreamBody, { clientWantsUsage, onUsage })
      : binding.surface.renderStream(
          observeUsage(answer.adapter.parseStream(upstreamBody), onUsage),
          renderOptions,
        );
    return finish(guardStream(stream, errorEvent), 200, "text/event-stream; charset=utf-8");
  }
  const text = await answer.response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GatewayError(
      "upstream_error",
      `${answer.attempt.provider.name}/${answer.attempt.model} answered with invalid JSON`,
    );
  }
  const converted = answer.adapter.parseResponse(json);
  outcome.warnings.push(...converted.warnings);
  onUsage(converted.value.usage);
  if (fastPath) return finish(text, 200, "application/json");
  return finish(
    JSON.stringify(binding.surface.renderResponse(converted.value, renderOptions)),
    200,
    "application/json",
  );
}

async function* observeUsage<T extends { type: string }>(
  events: AsyncIterable<T>,
  onUsage: (usage: CanonicalUsage) => void,
): AsyncIterable<T> {
  let usage: CanonicalUsage | null = null;
  for await (const event of events) {
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
