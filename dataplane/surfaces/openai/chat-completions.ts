// POST /openai/v1/chat/completions. This first slice serves OpenAI-shaped upstreams through the
// same-shape fast path: the body is forwarded with only `model` replaced and the answer, stream
// or not, is piped back untouched. Translation to other shapes arrives with the adapters.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { DataPlaneContext } from "../../context.ts";
import { authenticate } from "../../pipeline/authenticate.ts";
import { executePlan } from "../../pipeline/execute.ts";
import { vendorApi } from "../../providers/vendors.ts";
import { planRoute } from "../../routing/plan.ts";
import { parseJsonObject } from "../parse-body.ts";
import { modeluxHeaders } from "../response-headers.ts";

export async function handleChatCompletions(
  request: Request,
  context: DataPlaneContext,
  requestId: string,
): Promise<Response> {
  const receivedAt = performance.now();
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  const body = await parseJsonObject(request);
  if (typeof body.model !== "string" || body.model === "") {
    throw new GatewayError("invalid_request", "model is required and must be a string", {
      param: "model",
    });
  }
  if (!Array.isArray(body.messages)) {
    throw new GatewayError("invalid_request", "messages is required and must be an array", {
      param: "messages",
    });
  }
  for (const field of Object.keys(body)) if (field.startsWith("mlx:")) delete body[field];

  const plan = planRoute(config, key, body.model);
  const sameShape = plan.attempts.filter(
    (attempt) => vendorApi(attempt.provider.vendor)?.shape === "openai",
  );
  if (sameShape.length === 0) {
    throw new GatewayError(
      "not_implemented",
      `"${body.model}" resolves to a provider of another wire shape; translation is not served yet`,
    );
  }
  const success = await executePlan(
    { ...plan, attempts: sameShape },
    (attempt) => JSON.stringify({ ...body, model: attempt.model }),
    request.signal,
  );
  const overheadMs = performance.now() - receivedAt - success.upstreamMs;
  const headers = new Headers(modeluxHeaders(requestId, plan, success, overheadMs));
  const contentType = success.response.headers.get("content-type");
  if (contentType) headers.set("content-type", contentType);
  if (contentType?.startsWith("text/event-stream")) headers.set("cache-control", "no-cache");
  return new Response(success.response.body, { status: success.response.status, headers });
}
