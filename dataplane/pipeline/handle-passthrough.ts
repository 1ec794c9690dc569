// Endpoints served only by upstreams of the caller's own shape (embeddings, token counting):
// the body goes up with `model` replaced, the answer comes back as the provider wrote it.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { DataPlaneContext } from "../context.ts";
import type { AdapterTarget, ProviderAdapter, UpstreamCall } from "../providers/adapter.ts";
import { adapterFor } from "../providers/registry.ts";
import { planRoute, type RoutePlan } from "../routing/plan.ts";
import { parseJsonObject } from "../surfaces/parse-body.ts";
import { modeluxHeaders } from "../surfaces/response-headers.ts";
import { authenticate } from "./authenticate.ts";
import { executeAttempts } from "./execute-attempts.ts";

export interface PassthroughEndpoint {
  /** What the endpoint is called in error messages, e.g. "embeddings". */
  name: string;
  /** The adapter's builder for this endpoint, or undefined when its vendor has none. */
  build(
    adapter: ProviderAdapter,
  ): ((body: string, target: AdapterTarget) => Promise<UpstreamCall>) | undefined;
  /** Answer without an upstream when no attempt's vendor serves the endpoint. */
  fallback?(body: Record<string, unknown>): unknown;
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
  for (const field of Object.keys(body)) if (field.startsWith("mlx:")) delete body[field];
  if (typeof body.model !== "string" || body.model === "") {
    throw new GatewayError("invalid_request", "model is required and must be a string", {
      param: "model",
    });
  }
  const plan = planRoute(config, key, body.model);
  const served: RoutePlan = {
    ...plan,
    attempts: plan.attempts.filter((attempt) => {
      const adapter = adapterFor(attempt.provider.vendor);
      return adapter !== undefined && endpoint.build(adapter) !== undefined;
    }),
  };
  if (served.attempts.length === 0) {
    if (endpoint.fallback) {
      const headers = modeluxHeaders(requestId, plan, null, performance.now() - receivedAt);
      return Response.json(endpoint.fallback(body), {
        headers: { ...headers, "x-modelux-estimated": "true" },
      });
    }
    throw new GatewayError(
      "invalid_request",
      `"${body.model}" resolves to no provider that serves ${endpoint.name}`,
      { param: "model" },
    );
  }
  const answer = await executeAttempts(
    served,
    (attempt, adapter) => {
      const build = endpoint.build(adapter);
      if (!build) throw new GatewayError("internal", "filtered attempt without a builder");
      return build(JSON.stringify({ ...body, model: attempt.model }), {
        provider: attempt.provider,
        model: attempt.model,
      });
    },
    { clientSignal: request.signal, passClientErrorsThrough: () => true },
  );
  const text = await answer.response.text();
  const overheadMs = performance.now() - receivedAt - answer.upstreamMs;
  const headers = modeluxHeaders(
    requestId,
    plan,
    { provider: answer.attempt.provider.name, model: answer.attempt.model },
    overheadMs,
  );
  return new Response(text, {
    status: answer.response.status,
    headers: { ...headers, "content-type": "application/json" },
  });
}
