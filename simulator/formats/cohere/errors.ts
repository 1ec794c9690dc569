// Cohere's error shape: {"id","message"}, the same for every status (no type field; the status
// says what went wrong).
import { jsonResponse } from "../../common/http.ts";
import type { RequestProblem } from "../../common/validation.ts";

export function cohereErrorResponse(
  status: number,
  message: string,
  _detail: unknown = {},
  headers: Record<string, string> = {},
): Response {
  return jsonResponse({ id: crypto.randomUUID(), message }, status, headers);
}

/** A 400 for a request that failed its schema, worded like Cohere's: `invalid request: …`. */
export function cohereInvalidRequest(problem: RequestProblem): Response {
  const where = problem.param === "" ? "body" : problem.param;
  const what = problem.missing ? "is required" : problem.message;
  return cohereErrorResponse(400, `invalid request: ${where} ${what}`);
}
