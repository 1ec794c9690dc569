// Renders any failure in the calling surface's error shape with the request id attached; paths
// outside the surfaces (health, unknown paths) answer in the generic `{"error": …}` shape.

import { toGatewayError } from "#shared/errors/gateway-error.ts";
import { genericErrorBody } from "#shared/errors/generic-body.ts";
import { createLogger } from "#shared/log.ts";
import { anthropicErrorBody } from "../wire/anthropic/error-body.ts";
import { openAiErrorBody } from "../wire/openai/error-body.ts";

const log = createLogger("dataplane");

export type SurfaceName = "openai" | "anthropic";
/** The error shape a response takes: a surface's, or the generic one elsewhere. */
export type ErrorShape = SurfaceName | "generic";

const RENDERERS = {
  openai: openAiErrorBody,
  anthropic: anthropicErrorBody,
  generic: (error) => JSON.stringify(genericErrorBody(error)),
} satisfies Record<ErrorShape, (error: ReturnType<typeof toGatewayError>) => string>;

/** `/openai/…` → OpenAI's shape, `/anthropic/…` → Anthropic's, anything else the generic one. */
export function errorShapeOf(pathname: string): ErrorShape {
  if (pathname === "/openai" || pathname.startsWith("/openai/")) return "openai";
  if (pathname === "/anthropic" || pathname.startsWith("/anthropic/")) return "anthropic";
  return "generic";
}

export function errorResponse(surface: ErrorShape, error: unknown, requestId: string): Response {
  const gatewayError = toGatewayError(error);
  if (gatewayError.code === "internal") {
    log.error(`request ${requestId} failed: ${(error as Error)?.stack ?? String(error)}`, {
      request_id: requestId,
    });
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-modelux-request-id": requestId,
  };
  if (gatewayError.details.retryAfterSeconds !== undefined) {
    headers["retry-after"] = String(gatewayError.details.retryAfterSeconds);
  }
  if (gatewayError.details.headers) Object.assign(headers, gatewayError.details.headers);
  return new Response(RENDERERS[surface](gatewayError), { status: gatewayError.status, headers });
}

/**
 * Runs a surface handler with a fresh request id; every failure becomes an error response, and
 * every answer (`/models` too) carries `x-modelux-request-id`.
 */
export async function serveSurface(
  surface: SurfaceName,
  handler: (requestId: string) => Promise<Response> | Response,
): Promise<Response> {
  // UUIDv7: time-ordered, so the warehouse finds a request's partition (date, hour) from its id
  // and Parquet statistics prune by it.
  const requestId = Bun.randomUUIDv7();
  try {
    return withRequestId(await handler(requestId), requestId);
  } catch (error) {
    return errorResponse(surface, error, requestId);
  }
}

function withRequestId(response: Response, requestId: string): Response {
  if (response.headers.has("x-modelux-request-id")) return response;
  // The handlers build their answers, so their headers can be set.
  response.headers.set("x-modelux-request-id", requestId);
  return response;
}
