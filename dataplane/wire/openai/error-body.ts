// OpenAI's error shape: {"error":{"type","message","code","param"}}, as an answer's body and as
// the one `data:` line that ends a failed stream (what the OpenAI SDK raises as an APIError).
import { ERROR_STATUS, type ErrorCode, GatewayError } from "#shared/errors/gateway-error.ts";

const OPENAI_TYPES: Record<GatewayError["code"], string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  budget_exceeded: "budget_exceeded",
  forbidden: "permission_error",
  not_found: "not_found_error",
  method_not_allowed: "invalid_request_error",
  conflict: "invalid_request_error",
  payload_too_large: "invalid_request_error",
  unprocessable: "invalid_request_error",
  rate_limited: "rate_limit_error",
  headers_too_large: "invalid_request_error",
  internal: "server_error",
  not_implemented: "invalid_request_error",
  upstream_error: "upstream_error",
  unavailable: "service_unavailable",
  timeout: "timeout",
};

export function openAiErrorBody(error: GatewayError): string {
  if (error.code === "budget_exceeded") {
    // DESIGN §7, exactly: `code` is the status, `budget` what the cap is and when it resets.
    const body: Record<string, unknown> = {
      type: OPENAI_TYPES[error.code],
      message: error.message,
      code: error.status,
    };
    if (error.details.budget !== undefined) body.budget = error.details.budget;
    return JSON.stringify({ error: body });
  }
  return JSON.stringify({
    error: {
      type: error.details.surfaceType ?? OPENAI_TYPES[error.code],
      message: error.message,
      code: openAiCode(error),
      param: error.details.param ?? null,
    },
  });
}

/**
 * OpenAI's own code where clients look for one: a prompt over the model's context window is
 * `context_length_exceeded` whichever vendor refused it (LangChain's ContextOverflowError).
 */
function openAiCode(error: GatewayError): string | null {
  if (error.details.surfaceCode !== undefined) return error.details.surfaceCode;
  return error.details.upstreamKind === "context_length" ? "context_length_exceeded" : error.code;
}

/** The SSE line that ends a failed stream in OpenAI's shape. */
export function openAiErrorEvent(error: GatewayError): string {
  return `data: ${openAiErrorBody(error)}\n\n`;
}

/** A canonical `error` event's code is an upstream error kind or a gateway error code. */
export function openAiStreamError(event: { code: string; message: string }): GatewayError {
  if (event.code in ERROR_STATUS) return new GatewayError(event.code as ErrorCode, event.message);
  if (event.code === "context_length") {
    return new GatewayError("invalid_request", event.message, { upstreamKind: event.code });
  }
  const code: ErrorCode = event.code === "timeout" ? "timeout" : "upstream_error";
  return new GatewayError(code, event.message, { upstreamKind: event.code });
}
