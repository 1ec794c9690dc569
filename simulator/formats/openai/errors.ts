// OpenAI's error shape: {"error":{"message","type","param","code"}}, typed by status as the
// API does.
import type { ErrorDetail } from "../../common/endpoint.ts";
import { jsonResponse } from "../../common/http.ts";
import type { RequestProblem } from "../../common/validation.ts";

const TYPE_BY_STATUS: Record<number, { type: string; code: string | null }> = {
  400: { type: "invalid_request_error", code: null },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  403: { type: "invalid_request_error", code: "unsupported_country_region_territory" },
  404: { type: "invalid_request_error", code: "model_not_found" },
  429: { type: "requests", code: "rate_limit_exceeded" },
  500: { type: "server_error", code: null },
  503: { type: "server_error", code: "service_unavailable" },
};

export interface OpenAiError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** The `error` object OpenAI sends for a status, in a body or in a stream's error event. */
export function openAiError(
  status: number,
  message: string,
  detail: ErrorDetail = {},
): OpenAiError {
  const defaults = TYPE_BY_STATUS[status] ?? {
    type: status >= 500 ? "server_error" : "invalid_request_error",
    code: null,
  };
  return {
    message,
    type: detail.type ?? defaults.type,
    param: detail.param ?? null,
    code: detail.code === undefined ? defaults.code : detail.code,
  };
}

export function openAiErrorResponse(
  status: number,
  message: string,
  detail: ErrorDetail = {},
  headers: Record<string, string> = {},
): Response {
  return jsonResponse({ error: openAiError(status, message, detail) }, status, headers);
}

/** A 400 for a request that failed its schema, worded like OpenAI's own. */
export function openAiInvalidRequest(problem: RequestProblem): Response {
  if (problem.missing) {
    return openAiErrorResponse(400, `Missing required parameter: '${problem.param}'.`, {
      param: problem.param,
      code: "missing_required_parameter",
    });
  }
  return openAiErrorResponse(400, `Invalid value for '${problem.param}': ${problem.message}`, {
    param: problem.param,
    code: "invalid_value",
  });
}
