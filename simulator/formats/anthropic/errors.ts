// Anthropic's error shape: {"type":"error","error":{"type","message"},"request_id"}, typed by
// status as the API does (529 is its "overloaded").
import type { ErrorDetail } from "../../common/endpoint.ts";
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { RequestProblem } from "../../common/validation.ts";

const TYPE_BY_STATUS: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export function anthropicErrorResponse(
  status: number,
  message: string,
  detail: ErrorDetail = {},
  headers: Record<string, string> = {},
): Response {
  const type =
    detail.type ??
    TYPE_BY_STATUS[status] ??
    (status >= 500 ? "api_error" : "invalid_request_error");
  const requestId = randomId("req_011C");
  return jsonResponse({ type: "error", error: { type, message }, request_id: requestId }, status, {
    "request-id": requestId,
    ...headers,
  });
}

/** A 400 for a request that failed its schema, worded like Anthropic's: `messages.0.role: …`. */
export function anthropicInvalidRequest(problem: RequestProblem): Response {
  const where = problem.path.join(".");
  return anthropicErrorResponse(
    400,
    `${where}: ${problem.missing ? "Field required" : problem.message}`,
  );
}
