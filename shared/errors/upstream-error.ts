// The closed set every vendor error maps to (DESIGN §5), and how each reaches the caller.
import { type ErrorCode, GatewayError, type GatewayErrorDetails } from "./gateway-error.ts";
import { type Redact, redactKeyShaped } from "./redact.ts";

export type UpstreamErrorKind =
  | "rate_limited"
  | "overloaded"
  | "context_length"
  | "auth"
  | "invalid_request"
  | "content_filter"
  | "upstream_error"
  | "timeout";

export interface UpstreamError {
  kind: UpstreamErrorKind;
  /** The vendor's message, safe to show: adapters strip anything key-like. */
  message: string;
  status: number;
  /** The request field the vendor blamed, when it names one (OpenAI's `param`). */
  param?: string;
  retryAfterSeconds?: number;
}

/**
 * What a caller is told when an upstream's body fails while it is read: never the runtime's own
 * text (a reset socket's ECONNRESET, fetch's "pass verbose: true" hint).
 */
export const STREAM_INTERRUPTED = "the upstream stream was interrupted";
export const STREAM_TIMED_OUT = "the upstream stream timed out";

/** The message and kind for an error thrown while reading an upstream's body. */
export function streamReadFailure(error: unknown): {
  kind: "timeout" | "upstream_error";
  message: string;
} {
  const timedOut = (error as { name?: unknown } | null)?.name === "TimeoutError";
  return timedOut
    ? { kind: "timeout", message: STREAM_TIMED_OUT }
    : { kind: "upstream_error", message: STREAM_INTERRUPTED };
}

/** Whether another attempt (same or next provider) may succeed where this one failed. */
export function isRetryableKind(kind: UpstreamErrorKind): boolean {
  return (
    kind === "rate_limited" ||
    kind === "overloaded" ||
    kind === "upstream_error" ||
    kind === "timeout"
  );
}

/** A caller's mistake keeps the status class the SDKs map to an error class (404 → NotFound…). */
const CLIENT_ERROR_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  422: "unprocessable",
};

const PARAM = /^[A-Za-z0-9_.[\]-]{1,128}$/;

/**
 * What the caller sees once the plan is spent: always an error of the closed set, never the
 * upstream's body. Their own mistakes (invalid request, context too long, content filter) keep
 * a 4xx; a rate limit stays a 429 (with the upstream's retry-after, so SDKs back off as asked);
 * the upstream's other troubles become 502/504. The message and `param` pass through `redact`
 * (the org's credentials and anything key-shaped): vendors quote keys in their errors.
 */
export function upstreamToGatewayError(
  error: UpstreamError,
  where: string,
  redact: Redact = redactKeyShaped,
): GatewayError {
  const byKind: Record<UpstreamErrorKind, ErrorCode> = {
    rate_limited: "rate_limited",
    overloaded: "upstream_error",
    context_length: "invalid_request",
    auth: "upstream_error",
    invalid_request: CLIENT_ERROR_BY_STATUS[error.status] ?? "invalid_request",
    content_filter: "invalid_request",
    upstream_error: "upstream_error",
    timeout: "timeout",
  };
  const message =
    error.kind === "auth"
      ? `${where}: the provider rejected its credential`
      : `${where}: ${error.kind.replace("_", " ")}: ${redact(error.message).slice(0, 1000)}`;
  const details: GatewayErrorDetails = { upstreamKind: error.kind };
  const param = error.param === undefined ? undefined : redact(error.param);
  if (param !== undefined && PARAM.test(param)) details.param = param;
  return new GatewayError(byKind[error.kind], message, details);
}

/**
 * The message for an error body that is not the vendor's error shape (an HTML page, a proxy's
 * plain text): its text is never shown, only that it was unreadable.
 */
export function unreadableBodyMessage(status: number, bodyText: string): string {
  if (bodyText.trim() === "") return `HTTP ${status}`;
  return `HTTP ${status} with a body that is not the provider's error shape`;
}

/** Removes anything that looks like a credential from text that may reach a client. */
export const redactSecrets: Redact = redactKeyShaped;
