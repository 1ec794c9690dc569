// Gemini's error body ({"error":{code,message,status,details}}, sometimes wrapped in an array)
// → the closed upstream error set. The gRPC status name decides first, the HTTP status after.

import * as v from "valibot";
import {
  redactSecrets,
  type UpstreamError,
  type UpstreamErrorKind,
  unreadableBodyMessage,
} from "#shared/errors/upstream-error.ts";
import { errorBodySchema, type GeminiErrorBody } from "./wire-response.ts";

const KIND_BY_STATUS_NAME: Record<string, UpstreamErrorKind> = {
  RESOURCE_EXHAUSTED: "rate_limited",
  UNAVAILABLE: "overloaded",
  UNAUTHENTICATED: "auth",
  PERMISSION_DENIED: "auth",
  DEADLINE_EXCEEDED: "timeout",
  INTERNAL: "upstream_error",
  UNKNOWN: "upstream_error",
  INVALID_ARGUMENT: "invalid_request",
  FAILED_PRECONDITION: "invalid_request",
  NOT_FOUND: "invalid_request",
  OUT_OF_RANGE: "invalid_request",
};

const TOKEN_LIMIT =
  /token count.*exceeds|exceeds the maximum number of tokens|input context is too long|context (length|window)/i;
// A bad key is a 400 INVALID_ARGUMENT on the Gemini API (reason API_KEY_INVALID).
const BAD_KEY = /API key not valid|API_KEY_INVALID|API key expired/i;

function kindFromHttpStatus(status: number): UpstreamErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 503) return "overloaded";
  if (status === 401 || status === 403) return "auth";
  if (status === 504) return "timeout";
  if (status >= 500) return "upstream_error";
  return "invalid_request";
}

/** Gemini API keys (`AIza…`) and `key=` query parameters, on top of the shared redaction. */
function redactGoogleSecrets(text: string): string {
  return redactSecrets(text)
    .replace(/AIza[0-9A-Za-z_-]{20,}/g, "[redacted]")
    .replace(/([?&]key=)[^&\s"']+/g, "$1[redacted]");
}

/** "34.4s" → 35: whole seconds, rounded up so a retry never comes early. */
function retryDelaySeconds(error: GeminiErrorBody): number | undefined {
  for (const detail of error.details ?? []) {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(detail.retryDelay ?? "");
    if (detail["@type"]?.endsWith("RetryInfo") && match) return Math.ceil(Number(match[1]));
  }
  return undefined;
}

export function errorKindFromBody(
  error: GeminiErrorBody,
  httpStatus: number,
): { kind: UpstreamErrorKind; message: string } {
  const message = redactGoogleSecrets(error.message ?? `HTTP ${httpStatus}`);
  const reasons = (error.details ?? []).map((detail) => detail.reason ?? "").join(" ");
  let kind = (error.status && KIND_BY_STATUS_NAME[error.status]) || kindFromHttpStatus(httpStatus);
  if (kind === "invalid_request" && BAD_KEY.test(`${message} ${reasons}`)) kind = "auth";
  if (kind === "invalid_request" && TOKEN_LIMIT.test(message)) kind = "context_length";
  return { kind, message };
}

function readErrorBody(bodyText: string): GeminiErrorBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  const wrapper = Array.isArray(json) ? json[0] : json;
  const error =
    typeof wrapper === "object" && wrapper !== null
      ? (wrapper as { error?: unknown }).error
      : undefined;
  const parsed = v.safeParse(errorBodySchema, error);
  return parsed.success ? parsed.output : undefined;
}

export function parseGoogleError(
  status: number,
  bodyText: string,
  headers: Headers,
): UpstreamError {
  const body = readErrorBody(bodyText) ?? { message: unreadableBodyMessage(status, bodyText) };
  const { kind, message } = errorKindFromBody(body, status);
  const headerDelay = Number(headers.get("retry-after"));
  const retryAfterSeconds =
    retryDelaySeconds(body) ??
    (Number.isFinite(headerDelay) && headerDelay > 0 ? headerDelay : undefined);
  return {
    kind,
    message,
    status,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}
