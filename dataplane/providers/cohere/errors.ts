// Cohere's error answers (`{"id","message"}`, sometimes `{"message"}` only) → the closed upstream
// error set. The status decides first; a 400's wording tells a too-long prompt ("too many
// tokens: …") and a blocked one apart from other bad requests.
import {
  redactSecrets,
  type UpstreamError,
  type UpstreamErrorKind,
  unreadableBodyMessage,
} from "#shared/errors/upstream-error.ts";

const CONTEXT_LENGTH =
  /too many tokens|context (length|window)|exceeds? the (maximum|model'?s?) (context|number of tokens)|prompt is too long/i;
const CONTENT_FILTER = /blocked|content moderation|safety (filter|policy)/i;

export function classifyCohereError(status: number, message: string): UpstreamErrorKind {
  if (status === 429) return "rate_limited";
  // 498 is Cohere's "invalid token"; 402 means the key's account cannot pay: neither is the
  // caller's doing, and another provider may succeed.
  if (status === 401 || status === 403 || status === 402 || status === 498) return "auth";
  if (status === 408 || status === 504) return "timeout";
  if (status === 503 || status === 529) return "overloaded";
  if (status >= 500 || status === 499) return "upstream_error";
  if (CONTEXT_LENGTH.test(message)) return "context_length";
  if (CONTENT_FILTER.test(message)) return "content_filter";
  return "invalid_request";
}

export function parseCohereError(
  status: number,
  bodyText: string,
  headers: Headers,
): UpstreamError {
  const message = redactSecrets(errorMessage(bodyText, status));
  const error: UpstreamError = { kind: classifyCohereError(status, message), message, status };
  const retryAfter = retryAfterSeconds(headers.get("retry-after"));
  if (retryAfter !== undefined) error.retryAfterSeconds = retryAfter;
  return error;
}

function errorMessage(bodyText: string, status: number): string {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return unreadableBodyMessage(status, bodyText);
  }
  if (typeof body === "object" && body !== null) {
    const record = body as Record<string, unknown>;
    const message = record.message ?? record.error;
    if (typeof message === "string" && message !== "") return message;
  }
  return unreadableBodyMessage(status, bodyText);
}

/** `retry-after` in seconds or as an HTTP date. */
function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
