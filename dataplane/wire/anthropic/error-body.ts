// Anthropic's error shape: {"type":"error","error":{"type","message"}}, with Anthropic's type
// names, as an answer's body and as the `event: error` that ends a failed stream. A 402 adds
// `code` and, when the budget check attached it, the `budget` object (DESIGN §7) so clients can
// tell which cap they hit.
import type { ErrorCode, GatewayError } from "#shared/errors/gateway-error.ts";
import type { UpstreamErrorKind } from "#shared/errors/upstream-error.ts";

const ANTHROPIC_TYPES: Record<ErrorCode, string> = {
  invalid_request: "invalid_request_error",
  authentication: "authentication_error",
  budget_exceeded: "budget_exceeded",
  forbidden: "permission_error",
  not_found: "not_found_error",
  method_not_allowed: "invalid_request_error",
  conflict: "invalid_request_error",
  payload_too_large: "request_too_large",
  unprocessable: "invalid_request_error",
  rate_limited: "rate_limit_error",
  headers_too_large: "invalid_request_error",
  internal: "api_error",
  not_implemented: "invalid_request_error",
  upstream_error: "api_error",
  unavailable: "overloaded_error",
  timeout: "timeout_error",
};

/** An upstream's failure inside a stream, as the Anthropic SDK types it. */
const TYPES_BY_UPSTREAM_KIND: Record<UpstreamErrorKind, string> = {
  rate_limited: "rate_limit_error",
  overloaded: "overloaded_error",
  context_length: "invalid_request_error",
  invalid_request: "invalid_request_error",
  content_filter: "invalid_request_error",
  // The provider refused the gateway's credential: not the caller's key, so not their auth error.
  auth: "api_error",
  upstream_error: "api_error",
  timeout: "timeout_error",
};

export function anthropicErrorBody(error: GatewayError): string {
  const body: Record<string, unknown> = {
    type: ANTHROPIC_TYPES[error.code],
    message:
      error.details.upstreamKind === "context_length"
        ? contextLengthMessage(error.message)
        : error.message,
  };
  if (error.code === "budget_exceeded") {
    body.code = error.status;
    if (error.details.budget !== undefined) body.budget = error.details.budget;
  }
  return JSON.stringify({ type: "error", error: body });
}

/**
 * Anthropic marks a prompt over the context window by "prompt is too long" in the message, and
 * clients look for it there (LangChain's ContextOverflowError): kept whichever vendor refused.
 */
export function contextLengthMessage(message: string): string {
  return message.includes(CONTEXT_MARKER) ? message : `${CONTEXT_MARKER}: ${message}`;
}

const CONTEXT_MARKER = "prompt is too long";

/** The Anthropic error type for a canonical `error` event's code (an upstream kind or a gateway code). */
export function anthropicStreamErrorType(code: string): string {
  if (Object.hasOwn(TYPES_BY_UPSTREAM_KIND, code)) {
    return TYPES_BY_UPSTREAM_KIND[code as UpstreamErrorKind];
  }
  if (Object.hasOwn(ANTHROPIC_TYPES, code)) return ANTHROPIC_TYPES[code as ErrorCode];
  return "api_error";
}

/** The SSE event that ends a failed stream, for a gateway error. */
export function anthropicErrorEvent(error: GatewayError): string {
  return `event: error\ndata: ${anthropicErrorBody(error)}\n\n`;
}

/** The SSE event that ends a failed stream, for an Anthropic error type and a safe message. */
export function anthropicTypedErrorEvent(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message } })}\n\n`;
}
