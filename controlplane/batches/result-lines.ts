// A finished line as its surface writes batch results (pure): OpenAI's output/error file line
// `{id, custom_id, response: {status_code, request_id, body}, error}`, Anthropic's results line
// `{custom_id, result: {type: succeeded|errored|canceled|expired, …}}`.
import type { GatewayBatchLineRow } from "../db/schema/index.ts";

type Line = Pick<
  GatewayBatchLineRow,
  "id" | "custom_id" | "status" | "status_code" | "request_id" | "response" | "error"
>;

export function openAiResultLine(line: Line): Record<string, unknown> {
  const answered = line.status_code !== null && line.response !== null;
  return {
    id: `batch_req_${line.id.replace(":", "_")}`,
    custom_id: line.custom_id,
    response: answered
      ? { status_code: line.status_code, request_id: line.request_id ?? "", body: line.response }
      : null,
    error: answered ? null : (line.error ?? { code: line.status, message: `line ${line.status}` }),
  };
}

export function anthropicResultLine(line: Line): Record<string, unknown> {
  switch (line.status) {
    case "succeeded":
      return { custom_id: line.custom_id, result: { type: "succeeded", message: line.response } };
    case "canceled":
    case "expired":
      return { custom_id: line.custom_id, result: { type: line.status } };
    default: {
      // The answer's own error object when there is one, else why there is no answer.
      const body = line.response as { error?: unknown } | null;
      const error = body?.error ?? {
        type: "api_error",
        message: line.error?.message ?? "the line failed",
      };
      return {
        custom_id: line.custom_id,
        result: { type: "errored", error: { type: "error", error } },
      };
    }
  }
}
