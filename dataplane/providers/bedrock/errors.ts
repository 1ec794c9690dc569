// Bedrock errors → the closed set. The type is in the `x-amzn-errortype` header
// (`ThrottlingException:http://internal.amazon.com/coral/…`), or `__type` in the body; the body is
// `{"message": …}` (`Message` for some front-end errors). Stream exceptions use the same names
// in camelCase (`throttlingException`).
import {
  redactSecrets,
  type UpstreamError,
  type UpstreamErrorKind,
  unreadableBodyMessage,
} from "#shared/errors/upstream-error.ts";

const KIND_BY_TYPE: Record<string, UpstreamErrorKind> = {
  throttlingexception: "rate_limited",
  servicequotaexceededexception: "rate_limited",
  toomanyrequestsexception: "rate_limited",
  serviceunavailableexception: "overloaded",
  modelnotreadyexception: "overloaded",
  validationexception: "invalid_request",
  resourcenotfoundexception: "invalid_request",
  conflictexception: "invalid_request",
  serializationexception: "invalid_request",
  accessdeniedexception: "auth",
  unrecognizedclientexception: "auth",
  invalidsignatureexception: "auth",
  incompletesignatureexception: "auth",
  missingauthenticationtokenexception: "auth",
  expiredtokenexception: "auth",
  modeltimeoutexception: "timeout",
  internalserverexception: "upstream_error",
  modelerrorexception: "upstream_error",
  modelstreamerrorexception: "upstream_error",
};

/** Bedrock words an over-long prompt as a ValidationException; these phrasings mark it. */
const CONTEXT_LENGTH =
  /input is too long|too many (input )?tokens|prompt is too long|context (length|window)|exceeds? the (maximum|max)[\w\s]*(tokens|length)|max(imum)? context/i;

const MAX_MESSAGE_LENGTH = 500;

function typeName(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  // `ThrottlingException:http://…` or `com.amazon.coral.service#UnrecognizedClientException`.
  const name = raw.split(":")[0]?.split("#").pop()?.trim();
  return name || undefined;
}

function kindByStatus(status: number): UpstreamErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 408) return "timeout";
  if (status === 429) return "rate_limited";
  if (status === 503) return "overloaded";
  if (status >= 400 && status < 500) return "invalid_request";
  return "upstream_error";
}

function readBody(bodyText: string): { type?: string; message?: string } {
  try {
    const body = JSON.parse(bodyText) as Record<string, unknown>;
    const message = body.message ?? body.Message;
    return {
      type: typeof body.__type === "string" ? body.__type : undefined,
      message: typeof message === "string" ? message : undefined,
    };
  } catch {
    return {};
  }
}

function kindOf(type: string | undefined, status: number, message: string): UpstreamErrorKind {
  const kind = (type && KIND_BY_TYPE[type.toLowerCase()]) || kindByStatus(status);
  if (kind === "invalid_request" && CONTEXT_LENGTH.test(message)) return "context_length";
  return kind;
}

export function parseBedrockError(
  status: number,
  bodyText: string,
  headers: Headers,
): UpstreamError {
  const body = readBody(bodyText);
  const type = typeName(headers.get("x-amzn-errortype")) ?? typeName(body.type);
  const raw = body.message ?? unreadableBodyMessage(status, bodyText);
  const message = redactSecrets(type ? `${type}: ${raw}` : raw).slice(0, MAX_MESSAGE_LENGTH);
  const error: UpstreamError = { kind: kindOf(type, status, raw), message, status };
  const retryAfter = Number(headers.get("retry-after"));
  if (Number.isFinite(retryAfter) && retryAfter > 0) error.retryAfterSeconds = retryAfter;
  return error;
}

/** The kind for a stream exception frame (`:exception-type`), e.g. `throttlingException`. */
export function streamExceptionKind(exceptionType: string, message: string): UpstreamErrorKind {
  return kindOf(exceptionType, 500, message);
}
