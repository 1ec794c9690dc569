// OpenAI-family error answers → the closed upstream error set. Bodies vary by vendor: OpenAI and
// Groq `{"error":{message,type,code}}`, Azure `{"error":{code:"429"|"content_filter",…}}`,
// Mistral `{"object":"error","message",…}`, FastAPI-style `{"detail":…}`.
import {
  redactSecrets,
  type UpstreamError,
  type UpstreamErrorKind,
  unreadableBodyMessage,
} from "#shared/errors/upstream-error.ts";

const CONTEXT_LENGTH_TEXT =
  /context[ _]length|context window|maximum context|too many tokens|prompt is too long|reduce the length of the messages/i;
const CONTENT_FILTER_CODES = new Set([
  "content_filter",
  "content_policy_violation",
  "responsibleaipolicyviolation",
]);

export function parseOpenAiError(
  status: number,
  bodyText: string,
  headers: Headers,
): UpstreamError {
  const body = errorObject(bodyText);
  const error: UpstreamError = {
    kind: classifyOpenAiError(status, body),
    message: redactSecrets(errorMessage(body, bodyText, status)),
    status,
  };
  if (typeof body.param === "string" && body.param !== "") error.param = body.param;
  const retryAfterSeconds = parseRetryAfter(headers);
  if (retryAfterSeconds !== undefined) error.retryAfterSeconds = retryAfterSeconds;
  return error;
}

/**
 * The kind of an error object. `status` 0 means unknown (an error sent inside a stream), where
 * only the vendor's code and type tell.
 */
export function classifyOpenAiError(
  status: number,
  error: Record<string, unknown>,
): UpstreamErrorKind {
  const code = lower(error.code);
  const type = lower(error.type);
  const inner = isRecord(error.innererror) ? lower(error.innererror.code) : "";
  const message = typeof error.message === "string" ? error.message : "";
  if (code === "context_length_exceeded" || type === "context_length_exceeded") {
    return "context_length";
  }
  if (
    CONTENT_FILTER_CODES.has(code) ||
    CONTENT_FILTER_CODES.has(inner) ||
    type === "content_filter"
  ) {
    return "content_filter";
  }
  if (status === 401 || status === 403) return "auth";
  if (status === 429) return "rate_limited";
  if (status === 408 || status === 504) return "timeout";
  if (status === 503 || status === 529) return "overloaded";
  if (status >= 500) return "upstream_error";
  if (status >= 400)
    return CONTEXT_LENGTH_TEXT.test(message) ? "context_length" : "invalid_request";
  if (code.includes("rate_limit") || type.includes("rate_limit")) return "rate_limited";
  if (type.includes("overloaded") || code.includes("overloaded")) return "overloaded";
  if (type === "invalid_request_error") {
    return CONTEXT_LENGTH_TEXT.test(message) ? "context_length" : "invalid_request";
  }
  return "upstream_error";
}

/** Seconds to wait: `retry-after-ms` (OpenAI, Azure) first, then `retry-after` (seconds or a date). */
export function parseRetryAfter(headers: Headers): number | undefined {
  const milliseconds = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.ceil(milliseconds / 1000);
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The error object inside the body, or the body itself, or `{}`. */
function errorObject(bodyText: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return {};
  }
  if (Array.isArray(parsed)) parsed = parsed[0]; // Some gateways wrap the error in an array.
  if (!isRecord(parsed)) return {};
  if (isRecord(parsed.error)) return parsed.error;
  if (typeof parsed.error === "string") return { ...parsed, message: parsed.error };
  return parsed;
}

function errorMessage(body: Record<string, unknown>, bodyText: string, status: number): string {
  const message = body.message ?? body.detail;
  if (typeof message === "string" && message !== "") return message;
  if (message !== undefined && message !== null) return JSON.stringify(message).slice(0, 500);
  return unreadableBodyMessage(status, bodyText);
}

function lower(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value).toLowerCase() : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
