// The closed set every vendor error maps to (DESIGN §5), and how each reaches the caller.
import { type ErrorCode, GatewayError } from "./gateway-error.ts";

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
  retryAfterSeconds?: number;
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

/**
 * What the caller sees once the plan is spent. Their own mistakes (invalid request, context too
 * long, content filter) keep a 4xx; a rate limit stays a 429 (with the upstream's retry-after,
 * so SDKs back off as asked); the upstream's other troubles become 502/504.
 */
export function upstreamToGatewayError(error: UpstreamError, where: string): GatewayError {
  const byKind: Record<UpstreamErrorKind, ErrorCode> = {
    rate_limited: "rate_limited",
    overloaded: "upstream_error",
    context_length: "invalid_request",
    auth: "upstream_error",
    invalid_request: "invalid_request",
    content_filter: "invalid_request",
    upstream_error: "upstream_error",
    timeout: "timeout",
  };
  const message =
    error.kind === "auth"
      ? `${where}: the provider rejected its credential`
      : `${where}: ${error.kind.replace("_", " ")}: ${error.message}`;
  return new GatewayError(byKind[error.kind], message, { upstreamKind: error.kind });
}

/** Removes anything that looks like a credential from text that may reach a client. */
export function redactSecrets(text: string): string {
  return text.replace(/\b(sk|mlx_sk|mlx_mk|AKIA|ASIA)[-_A-Za-z0-9*]{6,}/g, "[redacted]");
}
