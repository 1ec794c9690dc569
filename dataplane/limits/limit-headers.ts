// A key's limit standing as each surface's clients read it (docs/limits.md): OpenAI's
// `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (reset as a duration, "1m30s"), and
// Anthropic's `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}` (reset as an RFC 3339
// time). A refusal is the closed set's `rate_limited` (429) with `retry-after` in seconds; in
// OpenAI's shape it carries what OpenAI's own limit refusals carry: `type` the unit that ran out
// ("requests" or "tokens") and `code` "rate_limit_exceeded".
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { LimitDecision, LimitStanding, LimitState } from "./key-limiter.ts";

/** The Responses surface answers in OpenAI's shape. */
export type LimitSurface = "openai" | "anthropic" | "responses";

export function limitHeaders(
  surface: LimitSurface,
  standing: LimitStanding,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (standing.requests) put(headers, surface, "requests", standing.requests, standing.nowMs);
  if (standing.tokens) put(headers, surface, "tokens", standing.tokens, standing.nowMs);
  return headers;
}

function put(
  headers: Record<string, string>,
  surface: LimitSurface,
  unit: "requests" | "tokens",
  state: LimitState,
  nowMs: number,
): void {
  if (surface === "anthropic") {
    headers[`anthropic-ratelimit-${unit}-limit`] = String(state.limit);
    headers[`anthropic-ratelimit-${unit}-remaining`] = String(state.remaining);
    headers[`anthropic-ratelimit-${unit}-reset`] = rfc3339(nowMs + state.resetMs);
  } else {
    headers[`x-ratelimit-limit-${unit}`] = String(state.limit);
    headers[`x-ratelimit-remaining-${unit}`] = String(state.remaining);
    headers[`x-ratelimit-reset-${unit}`] = duration(state.resetMs);
  }
}

/** The 429 for a refused request, with its headers and `retry-after`. */
export function limitExceededError(
  surface: LimitSurface,
  decision: Extract<LimitDecision, { admitted: false }>,
  requestTokens: number,
): GatewayError {
  const headers = limitHeaders(surface, decision.standing);
  const limit = decision.standing[decision.exceeded]?.limit ?? 0;
  const wire =
    surface === "anthropic"
      ? {}
      : { surfaceType: decision.exceeded, surfaceCode: "rate_limit_exceeded" };
  if (!Number.isFinite(decision.retryAfterMs)) {
    return new GatewayError(
      "rate_limited",
      `this request (about ${requestTokens} tokens) is larger than this API key's limit of ` +
        `${limit} tokens per minute`,
      { headers, ...wire },
    );
  }
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  if (decision.share) {
    return new GatewayError(
      "rate_limited",
      `rate limit of ${limit} requests per minute nearly reached for this API key across the ` +
        `gateway's nodes: retry in ${seconds} s`,
      { retryAfterSeconds: seconds, headers, ...wire },
    );
  }
  const what = decision.exceeded === "requests" ? "requests" : "tokens";
  return new GatewayError(
    "rate_limited",
    `rate limit of ${limit} ${what} per minute reached for this API key: retry in ${seconds} s`,
    { retryAfterSeconds: seconds, headers, ...wire },
  );
}

/** OpenAI's reset format: "250ms", "59s", "1m30s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const seconds = Math.ceil(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${seconds % 60}s` : `${seconds}s`;
}

/** Anthropic's reset format, to the second (rounded up: the reset is not before it). */
const rfc3339 = (ms: number) =>
  new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
