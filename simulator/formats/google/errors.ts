// Google's error shape: {"error":{"code","message","status"}} with the gRPC status name for the
// HTTP status; a 429 carries a RetryInfo detail as the real API does.
import type { ErrorDetail } from "../../common/endpoint.ts";
import { jsonResponse } from "../../common/http.ts";
import type { RequestProblem } from "../../common/validation.ts";

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

export function googleErrorResponse(
  status: number,
  message: string,
  detail: ErrorDetail = {},
  headers: Record<string, string> = {},
): Response {
  const error: Record<string, unknown> = {
    code: status,
    message,
    status:
      detail.type ?? STATUS_NAMES[status] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"),
  };
  if (status === 429) {
    const seconds = Number(headers["retry-after"] ?? 1);
    error.details = [
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${seconds}s` },
    ];
  }
  return jsonResponse({ error }, status, headers);
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The API names fields in snake_case in its messages: `tools[0].function_declarations[0]`. */
export function googleFieldPath(path: ReadonlyArray<string | number>): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text === "" ? snakeCase(key) : `.${snakeCase(key)}`;
  }
  return text;
}

/** A 400 for a request that failed its schema, worded like the Gemini API's own. */
export function googleInvalidRequest(problem: RequestProblem): Response {
  const field = googleFieldPath(problem.path);
  const unspecified = problem.missing || problem.message.endsWith("is not specified");
  const message = unspecified
    ? `* GenerateContentRequest.${field}: ${field.split(".").at(-1)} is not specified\n`
    : `Invalid value at '${field}': ${problem.message}`;
  return googleErrorResponse(400, message);
}
