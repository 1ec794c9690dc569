// One line of a batch's results as the warehouse counts it: the model that answered, the status,
// the usage. OpenAI's output and error files (`{custom_id, response: {status_code, body}, error}`)
// and Anthropic's results (`{custom_id, result: {type, message | error}}`); requests that never
// ran (expired, canceled) are not lines of traffic: null.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { convertAnthropicUsage } from "../../wire/anthropic/usage.ts";
import { convertOpenAiUsage } from "../../wire/openai/usage.ts";

export interface ResultLine {
  customId: string | null;
  model: string | null;
  status: number;
  usage: CanonicalUsage | null;
  error: { code: string; message: string } | null;
}

type Json = Record<string, unknown>;
const record = (value: unknown): Json | null =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : null;
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

export function openAiResultLine(line: Json): ResultLine | null {
  const response = record(line.response);
  if (response === null) return null;
  const body = record(response.body);
  const status = typeof response.status_code === "number" ? response.status_code : 0;
  const error = record(body?.error);
  return {
    customId: text(line.custom_id),
    model: text(body?.model),
    status,
    usage: status >= 200 && status < 300 ? (convertOpenAiUsage(body?.usage) ?? null) : null,
    error: error
      ? {
          code: text(error.code) ?? text(error.type) ?? "upstream_error",
          message: text(error.message) ?? "",
        }
      : null,
  };
}

export function anthropicResultLine(line: Json): ResultLine | null {
  const result = record(line.result);
  if (result === null) return null;
  if (result.type === "succeeded") {
    const message = record(result.message);
    return {
      customId: text(line.custom_id),
      model: text(message?.model),
      status: 200,
      usage: message ? convertAnthropicUsage(message.usage) : null,
      error: null,
    };
  }
  if (result.type !== "errored") return null;
  const error = record(record(result.error)?.error);
  const type = text(error?.type) ?? "api_error";
  return {
    customId: text(line.custom_id),
    model: null,
    status: type === "invalid_request_error" ? 400 : 500,
    usage: null,
    error: { code: type, message: text(error?.message) ?? "" },
  };
}
