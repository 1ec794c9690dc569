// Anthropic error answers (`{"type":"error","error":{"type","message"}}`) → the closed upstream
// error set. The error type decides where there is one; the status where there is not (proxies,
// load balancers); the message only tells a too-long prompt from other invalid requests.
import {
  redactSecrets,
  type UpstreamError,
  type UpstreamErrorKind,
  unreadableBodyMessage,
} from "#shared/errors/upstream-error.ts";

const CONTEXT_LENGTH_TEXT =
  /prompt is too long|exceeds? (the )?context (window|limit)|context[ _]length|input length and `?max_tokens`? exceed/i;

const KIND_BY_TYPE: ReadonlyMap<string, UpstreamErrorKind> = new Map<string, UpstreamErrorKind>([
  ["overloaded_error", "overloaded"],
  ["rate_limit_error", "rate_limited"],
  ["authentication_error", "auth"],
  ["permission_error", "auth"],
  // The provider's account cannot pay: another provider may.
  ["billing_error", "auth"],
  ["invalid_request_error", "invalid_request"],
  ["not_found_error", "invalid_request"],
  ["request_too_large", "invalid_request"],
  ["timeout_error", "timeout"],
  ["api_error", "upstream_error"],
]);

export function parseAnthropicError(
  status: number,
  bodyText: string,
  headers: Headers,
): UpstreamError {
  const error = errorObject(bodyText);
  const message = typeof error.message === "string" && error.message !== "" ? error.message : "";
  const result: UpstreamError = {
    kind: classifyAnthropicError(status, error),
    message: redactSecrets(message || fallbackMessage(bodyText, status)),
    status,
  };
  const retryAfterSeconds = parseRetryAfter(headers);
  if (retryAfterSeconds !== undefined) result.retryAfterSeconds = retryAfterSeconds;
  return result;
}

/**
 * The kind of an error object (`{type, message}`). `status` 0 means unknown: an `error` event
 * inside a stream, where only the type tells.
 */
export function classifyAnthropicError(
  status: number,
  error: Record<string, unknown>,
): UpstreamErrorKind {
  const type = typeof error.type === "string" ? error.type : "";
  const message = typeof error.message === "string" ? error.message : "";
  if (CONTEXT_LENGTH_TEXT.test(message) && (type === "invalid_request_error" || status === 400)) {
    return "context_length";
  }
  // The caller's key was accepted by the gateway: a 401/403 is about the provider's credential.
  if (status === 401 || status === 403) return "auth";
  if (status === 529) return "overloaded";
  if (status === 429) return "rate_limited";
  const byType = KIND_BY_TYPE.get(type);
  if (byType) return byType;
  if (status === 401 || status === 403) return "auth";
  if (status === 408 || status === 504) return "timeout";
  if (status === 503) return "overloaded";
  if (status >= 500 || status === 0) return "upstream_error";
  return "invalid_request";
}

/** Seconds to wait, from `retry-after` (seconds or an HTTP date). */
export function parseRetryAfter(headers: Headers): number | undefined {
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The `error` object of an Anthropic error body, or `{}`. */
export function errorObject(bodyText: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null) return {};
  const error = (parsed as Record<string, unknown>).error;
  return typeof error === "object" && error !== null && !Array.isArray(error)
    ? (error as Record<string, unknown>)
    : {};
}

function fallbackMessage(bodyText: string, status: number): string {
  return unreadableBodyMessage(status, bodyText);
}
