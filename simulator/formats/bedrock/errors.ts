// Bedrock's error shape: `{"message": …}` with the error's type in `x-amzn-errortype`
// (`ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/`), typed by status
// as the API does.
import { jsonResponse } from "../../common/http.ts";
import type { RequestProblem } from "../../common/validation.ts";

const TYPE_BY_STATUS: Record<number, string> = {
  400: "ValidationException",
  403: "AccessDeniedException",
  404: "ResourceNotFoundException",
  408: "ModelTimeoutException",
  424: "ModelErrorException",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailableException",
};

const CORAL_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/";

export function bedrockErrorType(status: number): string {
  return (
    TYPE_BY_STATUS[status] ?? (status >= 500 ? "InternalServerException" : "ValidationException")
  );
}

export function bedrockErrorResponse(
  status: number,
  message: string,
  detail: { type?: string } = {},
  headers: Record<string, string> = {},
): Response {
  const type = detail.type ?? bedrockErrorType(status);
  return jsonResponse({ message }, status, {
    "x-amzn-errortype": `${type}:${CORAL_NAMESPACE}`,
    "x-amzn-requestid": crypto.randomUUID(),
    ...headers,
  });
}

/** A 400 for a body that failed its schema, worded like Bedrock's (Coral) validation errors. */
export function bedrockInvalidRequest(problem: RequestProblem): Response {
  const where = problem.path.map((key) => (typeof key === "number" ? `${key + 1}.member` : key));
  const constraint = problem.missing ? "Member must not be null" : problem.message;
  return bedrockErrorResponse(
    400,
    `1 validation error detected: Value at '${where.join(".")}' failed to satisfy constraint: ${constraint}`,
  );
}
